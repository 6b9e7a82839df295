# Plain PyTorch reference of the gpu-dense spec's shape (what a user would write instead):
# pre-norm decoder, RMSNorm, causal SDPA attention, SwiGLU FFN, vocab 695, d 1024, 8 layers,
# 16 heads, ffn 2048, seq 1024, batch 16, AdamW. Prints median tokens/s of steps 3..12.
# Use: python3 ref.py fp32|bf16|fp16|compile [LAYERS]; bf16 and fp16 are autocast; REF_T and REF_B
# change the context and batch (defaults 1024 and 16). Needs a CUDA GPU.
import os, sys, time, torch, torch.nn as nn, torch.nn.functional as F
V, D, L, H, FF, T, B = 695, 1024, int(sys.argv[2]) if len(sys.argv) > 2 else 8, 16, 2048, int(os.environ.get("REF_T", 1024)), int(os.environ.get("REF_B", 16))
mode = sys.argv[1] if len(sys.argv) > 1 else "fp32"
class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.n1 = nn.RMSNorm(D); s.n2 = nn.RMSNorm(D)
        s.qkv = nn.Linear(D, 3 * D, bias=False); s.o = nn.Linear(D, D, bias=False)
        s.w13 = nn.Linear(D, 2 * FF, bias=False); s.w2 = nn.Linear(FF, D, bias=False)
    def forward(s, x):
        q, k, v = s.qkv(s.n1(x)).view(B, T, 3, H, D // H).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, D)
        x = x + s.o(a)
        g, u = s.w13(s.n2(x)).chunk(2, -1)
        return x + s.w2(F.silu(g) * u)
class M(nn.Module):
    def __init__(s):
        super().__init__(); s.e = nn.Embedding(V, D); s.b = nn.ModuleList(Block() for _ in range(L)); s.n = nn.RMSNorm(D); s.h = nn.Linear(D, V, bias=False)
    def forward(s, t):
        x = s.e(t)
        for b in s.b: x = b(x)
        return s.h(s.n(x))
m = M().cuda(); opt = torch.optim.AdamW(m.parameters(), lr=3e-4, fused=True)
if mode == "compile": m = torch.compile(m)
x = torch.randint(0, V, (B, T + 1), device="cuda")
ts = []
for i in range(12):
    torch.cuda.synchronize(); t0 = time.perf_counter()
    with torch.autocast("cuda", dtype=torch.float16 if mode == "fp16" else torch.bfloat16, enabled=(mode in ("bf16", "fp16"))):
        loss = F.cross_entropy(m(x[:, :-1]).float().reshape(-1, V), x[:, 1:].reshape(-1))
    loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step(); opt.zero_grad(set_to_none=True)
    torch.cuda.synchronize(); ts.append(time.perf_counter() - t0)
s = sorted(ts[2:])[len(ts[2:]) // 2]
print(f"pytorch-eager {mode} layers {L} seq {T} batch {B}: {B*T/s:,.0f} tok/s (median step {s*1000:.1f} ms), peak mem {torch.cuda.max_memory_allocated()/2**30:.1f} GiB")
