package org.moma.training;

import ai.djl.Device;
import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.moma.api.SpecException;
import org.moma.api.model.ModelDims;
import org.moma.api.spec.TrainingSpec;

/**
 * What a training run needs in device memory, estimated from the spec before anything is
 * allocated: parameters with their gradients and both AdamW moments (4 fp32 values each, plus the
 * per-step fp16 copy and its gradient with fp16), and the activations autograd keeps for one
 * micro-batch. Per token and layer these are about 16 vectors of d (norms, queries, keys, values,
 * projections, residuals) and 4 of the FFN width (SwiGLU's gate, up, product, down input) at the
 * compute precision, and the unfused attention's scores and probabilities: B·heads·T² per layer,
 * twice at fp32, or the fp16 scores and probabilities plus the fp32 softmax between them; the head
 * keeps 3 fp32 vectors of the vocabulary (logits, log-softmax, their gradient). It is an estimate,
 * meant to refuse at once what cannot fit rather than to bound a run that can.
 *
 * @param activationBytes for {@code batchSize} sequences
 */
public record MemoryEstimate(long parameterBytes, long activationBytes, int batchSize, int seqLen) {
  private static final long FLOAT = 4;

  public static MemoryEstimate of(ModelDims dims, TrainingSpec training, long parameters) {
    boolean half = training.halfPrecision();
    long compute = half ? 2 : FLOAT;
    long attentionPerScore = half ? 2 + FLOAT + 2 : 2 * FLOAT;
    long perLayer = compute * (16L * dims.dModel() + 4L * dims.ffnDim()) + attentionPerScore * dims.heads() * dims.seqLen();
    long perToken = dims.layers() * perLayer + FLOAT * 3L * dims.vocabSize() + (half ? 2L * dims.vocabSize() : 0);
    long tokens = (long) training.batchSize() * dims.seqLen();
    long perParameter = 4 * FLOAT + (half ? 2 * 2 : 0);
    return new MemoryEstimate(perParameter * parameters, perToken * tokens, training.batchSize(), dims.seqLen());
  }

  public long totalBytes() {
    return parameterBytes + activationBytes;
  }

  /** The most sequences per micro-batch that fit in {@code available} bytes (0 when not even one does). */
  public long largestBatch(long available) {
    long perSequence = activationBytes / Math.max(1, batchSize);
    return available <= parameterBytes || perSequence == 0 ? 0 : (available - parameterBytes) / perSequence;
  }

  /** Refuses, in one line that names the spec fields, a run the device's available memory cannot hold. */
  public void requireFits(Device device) {
    requireFits(device, 1);
  }

  /** As above, for one of {@code localRanks} ranks that share this machine's memory. */
  public void requireFits(Device device, int localRanks) {
    requireFits(device, localRanks, available(device));
  }

  void requireFits(Device device, int localRanks, long deviceAvailable) {
    long available = deviceAvailable / Math.max(1, localRanks);
    if (available > 0 && totalBytes() > available) {
      long largest = largestBatch(available);
      throw new SpecException("training.batchSize", String.format(Locale.ROOT,
          "%d sequences of model.seqLen %d need about %s of memory (activations %s, parameters with gradients and"
              + " AdamW moments %s) but %s has %s available: %s",
          batchSize, seqLen, bytes(totalBytes()), bytes(activationBytes), bytes(parameterBytes),
          localRanks > 1 ? "each of " + localRanks + " ranks on " + device : device, bytes(available),
          largest > 0
              ? "the largest batch that fits is " + largest + " (training.batchSize " + largest * Math.max(1, localRanks)
                  + ", or training.accumulation to keep the tokens per step)"
              : "not even one sequence fits: lower model.seqLen or the model's size"));
    }
  }

  /** Free memory of the device: on a GPU what CUDA reports, on the CPU Linux's MemAvailable (or the cgroup's headroom, if lower); 0 when unknown. */
  static long available(Device device) {
    if (device.isGpu()) {
      MemoryUsage gpu = ai.djl.util.cuda.CudaUtils.getGpuMemory(device);
      return gpu.getMax() - gpu.getCommitted();
    }
    long available = meminfoAvailable();
    long cgroup = cgroupHeadroom();
    return cgroup > 0 && (available <= 0 || cgroup < available) ? cgroup : available;
  }

  private static long meminfoAvailable() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemAvailable:")) {
          return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: unknown, nothing is refused
    }
    return 0;
  }

  private static long cgroupHeadroom() {
    try {
      String max = Files.readString(Path.of("/sys/fs/cgroup/memory.max")).trim();
      if (max.equals("max")) {
        return 0;
      }
      long current = Long.parseLong(Files.readString(Path.of("/sys/fs/cgroup/memory.current")).trim());
      return Long.parseLong(max) - current;
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  static String bytes(long b) {
    String[] units = {"B", "KB", "MB", "GB", "TB", "PB"};
    double v = b;
    int u = 0;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  }
}
