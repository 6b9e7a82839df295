package org.moma.api.spec;

import org.moma.api.SpecException;

/**
 * Optimisation (paper §4.1): AdamW with β 0.9/0.95, linear warm-up then linear decay to
 * {@code minLrRatio} of the peak, gradient clipping and accumulation. {@code imageRatio}, when
 * set, makes the loader balance every batch towards that share of image tokens (paper §3.1).
 * {@code precision} is the compute precision: {@code fp32}, or {@code fp16} (half-precision
 * compute with fp32 master weights and moments and dynamic loss scaling from {@code lossScale},
 * 2^16 by default, halved on an overflow and doubled after 2,000 steps without one).
 * {@code optimizer} (default {@code adamw}) and {@code schedule} (default {@code warmup-linear})
 * name plugins; {@code sinks} lists where metrics go besides {@code metrics.jsonl} (default: the
 * command's, the console for {@code moma run}); {@code loss} lists weighted terms of the objective.
 */
public record TrainingSpec(
    Integer steps,
    Integer batchSize,
    Double learningRate,
    Integer warmupSteps,
    Double minLrRatio,
    Double weightDecay,
    Double beta1,
    Double beta2,
    Double gradClip,
    Integer accumulation,
    Integer checkpointEvery,
    Double imageRatio,
    String precision,
    Double lossScale,
    PluginRef optimizer,
    PluginRef schedule,
    java.util.List<PluginRef> sinks,
    java.util.List<PluginRef> loss) {
  public static final String FP32 = "fp32";
  public static final String FP16 = "fp16";

  public TrainingSpec {
    steps = steps == null ? 100 : steps;
    batchSize = batchSize == null ? 8 : batchSize;
    learningRate = learningRate == null ? 3e-3 : learningRate;
    warmupSteps = warmupSteps == null ? Math.min(20, steps / 10) : warmupSteps;
    minLrRatio = minLrRatio == null ? 0.01 : minLrRatio;
    weightDecay = weightDecay == null ? 0.1 : weightDecay;
    beta1 = beta1 == null ? 0.9 : beta1;
    beta2 = beta2 == null ? 0.95 : beta2;
    gradClip = gradClip == null ? 1.0 : gradClip;
    accumulation = accumulation == null ? 1 : accumulation;
    checkpointEvery = checkpointEvery == null ? 0 : checkpointEvery;
    precision = precision == null ? FP32 : precision.trim().toLowerCase(java.util.Locale.ROOT);
    lossScale = lossScale == null ? 65536.0 : lossScale;
    optimizer = optimizer == null ? PluginRef.of("adamw") : optimizer;
    schedule = schedule == null ? PluginRef.of("warmup-linear") : schedule;
    // sinks: null means the command's default (the console for moma run, none for a benchmark)
    loss = loss == null ? java.util.List.of() : java.util.List.copyOf(loss);
  }

  /** The same optimisation for a shorter or longer run (warm-up clamped to it, checkpoints as often). */
  public TrainingSpec withSteps(int newSteps) {
    return new TrainingSpec(newSteps, batchSize, learningRate, Math.min(warmupSteps, newSteps), minLrRatio, weightDecay,
        beta1, beta2, gradClip, accumulation, checkpointEvery, imageRatio, precision, lossScale, optimizer, schedule, sinks, loss);
  }

  /** The same optimisation with another number of sequences per micro-batch. */
  public TrainingSpec withBatchSize(int newBatchSize) {
    return new TrainingSpec(steps, newBatchSize, learningRate, warmupSteps, minLrRatio, weightDecay,
        beta1, beta2, gradClip, accumulation, checkpointEvery, imageRatio, precision, lossScale, optimizer, schedule, sinks, loss);
  }

  /** The same training with another optimizer. */
  public TrainingSpec withOptimizer(PluginRef newOptimizer) {
    return new TrainingSpec(steps, batchSize, learningRate, warmupSteps, minLrRatio, weightDecay,
        beta1, beta2, gradClip, accumulation, checkpointEvery, imageRatio, precision, lossScale, newOptimizer, schedule, sinks, loss);
  }

  /** The same optimisation at another compute precision. */
  public TrainingSpec withPrecision(String newPrecision) {
    return new TrainingSpec(steps, batchSize, learningRate, warmupSteps, minLrRatio, weightDecay,
        beta1, beta2, gradClip, accumulation, checkpointEvery, imageRatio, newPrecision, lossScale, optimizer, schedule, sinks, loss);
  }

  /** Whether training computes in half precision (fp16) with loss scaling. */
  public boolean halfPrecision() {
    return FP16.equals(precision);
  }

  /** Whether the loader balances batches to {@link #imageRatio()} (paper §3.1). */
  public boolean balanced() {
    return imageRatio != null;
  }

  public static TrainingSpec defaults() {
    return new TrainingSpec(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  void validate(String path) {
    ModelSpec.positive(path + ".steps", steps);
    ModelSpec.positive(path + ".batchSize", batchSize);
    ModelSpec.positive(path + ".accumulation", accumulation);
    if (!(learningRate > 0)) {
      throw new SpecException(path + ".learningRate", "must be positive, found " + learningRate);
    }
    if (warmupSteps < 0) {
      // more warm-up steps than steps is a short run of a longer recipe: it ends before the peak
      throw new SpecException(path + ".warmupSteps", "must be >= 0, found " + warmupSteps);
    }
    if (minLrRatio < 0 || minLrRatio > 1) {
      throw new SpecException(path + ".minLrRatio", "must be in [0, 1], found " + minLrRatio);
    }
    if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
      throw new SpecException(path + ".beta1", "betas must be in [0, 1)");
    }
    if (imageRatio != null && (imageRatio < 0 || imageRatio > 1)) {
      throw new SpecException(path + ".imageRatio", "must be in [0, 1] (share of image tokens), found " + imageRatio);
    }
    if (precision.equals("bf16") || precision.equals("bfloat16")) {
      // DJL 0.32's JNI maps no dtype to bfloat16: converting to it ends the JVM (exit 134), so refuse it here
      throw new SpecException(path + ".precision", "bf16 is not supported: DJL 0.32's PyTorch JNI has no bfloat16 type;"
          + " use fp16 (half-precision compute with loss scaling) or fp32");
    }
    if (!precision.equals(FP32) && !precision.equals(FP16)) {
      throw new SpecException(path + ".precision", "must be fp32 or fp16, found '" + precision + "'");
    }
    if (!(lossScale > 0) || Double.isInfinite(lossScale)) {
      throw new SpecException(path + ".lossScale", "must be a positive number (fp16's initial loss scale), found " + lossScale);
    }
    requireName(path + ".optimizer", optimizer);
    requireName(path + ".schedule", schedule);
    if (sinks != null) {
      for (int i = 0; i < sinks.size(); i++) {
        requireName(path + ".sinks[" + i + "]", sinks.get(i));
      }
    }
    for (int i = 0; i < loss.size(); i++) {
      requireName(path + ".loss[" + i + "]", loss.get(i));
    }
    if (checkpointEvery < 0) {
      throw new SpecException(path + ".checkpointEvery", "must be >= 0 (0 = only at the end)");
    }
  }

  private static void requireName(String path, PluginRef ref) {
    if (ref == null || ref.name() == null || ref.name().isBlank()) {
      throw new SpecException(path + ".name", "a plugin name is required");
    }
  }
}
