package org.moma.runtime.train;

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
 * allocated: parameters with their gradients and both AdamW moments (4 floats each), and the
 * activations autograd keeps for one micro-batch. Per token and layer these are about 16 vectors of
 * d (norms, queries, keys, values, projections, residuals), the attention probabilities of every
 * head and 4 vectors of the FFN width (SwiGLU's gate, up, product, down input); the head keeps 3
 * vectors of the vocabulary (logits, log-softmax, their gradient). It is an estimate, meant to
 * refuse at once what cannot fit rather than to bound a run that can.
 */
public record MemoryEstimate(long parameterBytes, long activationBytes, int batchSize, int seqLen) {
  private static final long FLOAT = 4;

  public static MemoryEstimate of(ModelDims dims, TrainingSpec training, long parameters) {
    long perLayer = 16L * dims.dModel() + (long) dims.heads() * dims.seqLen() + 4L * dims.ffnDim();
    long perToken = dims.layers() * perLayer + 3L * dims.vocabSize();
    long tokens = (long) training.batchSize() * dims.seqLen();
    return new MemoryEstimate(4 * FLOAT * parameters, FLOAT * perToken * tokens, training.batchSize(), dims.seqLen());
  }

  public long totalBytes() {
    return parameterBytes + activationBytes;
  }

  /** Refuses, in one line that names the spec fields, a run the device's available memory cannot hold. */
  public void requireFits(Device device) {
    requireFits(device, 1);
  }

  /** As above, for one of {@code localRanks} ranks that share this machine's memory. */
  public void requireFits(Device device, int localRanks) {
    long available = available(device) / Math.max(1, localRanks);
    if (available > 0 && totalBytes() > available) {
      throw new SpecException("training.batchSize", String.format(Locale.ROOT,
          "%d sequences of model.seqLen %d need about %s of memory (activations %s, parameters with gradients and"
              + " AdamW moments %s) but %s has %s available: lower training.batchSize (training.accumulation keeps"
              + " the tokens per step) or model.seqLen",
          batchSize, seqLen, bytes(totalBytes()), bytes(activationBytes), bytes(parameterBytes),
          localRanks > 1 ? "each of " + localRanks + " ranks on " + device : device, bytes(available)));
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
