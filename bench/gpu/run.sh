#!/bin/bash
# Device check (issue 23), one call of the lent GPU machine: compile DJL 0.32's JNI against the
# machine's torch, moma bench train of the Table 2 shapes at d=1024 in fp16 and fp32, operator
# profiles of dense and 4t4i in fp16 (bench train --profile: host time per operator, which bounds a
# GPU step), and the plain-PyTorch eager reference of the dense shape (ref.py) in fp32, bf16, fp16.
# Use: mvn -B -q -DskipTests install; bash ../shared/tools/gpu/make-kit; cp bench/gpu/run.sh
# bench/gpu/ref.py .gpu/; then the device call: command "bash .gpu/run.sh", carry [".gpu"].
# $OUT brings back log.txt, bench-fp16.txt, bench.txt, profile.txt, profile/*.trace.json, ref.txt.
K=$(cd "$(dirname "$0")" && pwd)
exec > >(tee "$OUT/log.txt") 2>&1
T0=$(date +%s); el() { echo "== +$(( $(date +%s) - T0 ))s $*"; }
el start; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
TORCH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')
ABI=$(python3 -c 'import torch;print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
python3 -c 'import torch;print("torch", torch.__version__, "cuda", torch.version.cuda)'
mkdir -p /tmp/k && tar -xJf "$K/kit.tar.xz" -C /tmp/k & PK=$!
export JAVA_HOME=/tmp/k/jre
INC=""; for d in /usr/local/cuda/include $(ls -d "$TORCH"/../nvidia/*/include "$TORCH"/../nvidia/cu*/include 2>/dev/null); do INC="$INC -I$d"; done
B=/tmp/jnib; mkdir -p $B
wait $PK; el kit unpacked
FL="-O2 -fPIC -D_GLIBCXX_USE_CXX11_ABI=$ABI -DUSE_CUDA -I$K/jni/include -I$TORCH/include -I$TORCH/include/torch/csrc/api/include -I$JAVA_HOME/include -I$JAVA_HOME/include/linux $INC -w"
P=""
for f in "$K"/jni/native/*.cc; do n=$(basename "$f" .cc)
  ( g++ -std=gnu++17 $FL -c "$f" -o $B/$n.o 2>$B/$n.err || g++ -std=gnu++20 $FL -c "$f" -o $B/$n.o 2>>$B/$n.err ) & P="$P $!"
done
for p in $P; do wait $p; done; el jni compiled
for e in $B/*.err; do [ -s "$e" ] && { echo "--- $e"; grep -m8 -E "error|Error" "$e"; }; done > "$OUT/jni-errors.txt"
head -40 "$OUT/jni-errors.txt"
g++ -shared -o $B/libdjl_torch.so $B/*.o -L"$TORCH/lib" -ltorch -ltorch_cpu -ltorch_cuda -lc10 -lc10_cuda -Wl,-rpath,"$TORCH/lib" || { el "jni link failed"; exit 3; }
cp $B/libdjl_torch.so "$TORCH/lib/" || { export ENGINE_CACHE_DIR=/tmp/djlc; mkdir -p /tmp/djlc/pytorch/2.5.1-cu130-linux-x86_64; cp $B/libdjl_torch.so /tmp/djlc/pytorch/2.5.1-cu130-linux-x86_64/0.32.0-libdjl_torch.so; }
export PYTORCH_LIBRARY_PATH="$TORCH/lib" PYTORCH_VERSION=2.5.1 PYTORCH_FLAVOR=cu130 PYTORCH_LIBRARY_EXCLUSION=libtorch_python.so
CUDART=$(ls -d /usr/local/cuda/lib64 "$TORCH"/../nvidia/cu*/lib "$TORCH"/../nvidia/cuda_runtime/lib 2>/dev/null | tr '\n' ':')
export LD_LIBRARY_PATH="$TORCH/lib:$CUDART${LD_LIBRARY_PATH:-}"
M=/tmp/k/moma/bin/moma; S=/tmp/k/specs
el bench fp16; timeout 120 $M bench train $S/dense-fp16.json $S/4t4i-fp16.json $S/mod4t4i-fp16.json --rounds 1 --steps 8 2>&1 | tee "$OUT/bench-fp16.txt" | tail -14
el bench fp32; timeout 150 $M bench train $S/dense-fp32.json $S/1t1i-fp32.json $S/4t4i-fp32.json $S/mod4t4i-fp32.json $S/moe8-fp32.json --rounds 1 --steps 8 2>&1 | tee "$OUT/bench.txt" | tail -16
el profile; timeout 120 $M bench train $S/dense-fp16.json $S/4t4i-fp16.json --rounds 1 --steps 3 --profile "$OUT/profile" 2>&1 | grep -v WARN | tee "$OUT/profile.txt" | grep -E "profile of|per step"
grep -h "" /tmp/k/moma/logs/*.log 2>/dev/null | grep -iE "error|exception" | head -10
el reference; for m in fp32 bf16 fp16; do timeout 40 python3 "$K/ref.py" $m 2>&1 | tail -2; done | tee "$OUT/ref.txt"
el end
