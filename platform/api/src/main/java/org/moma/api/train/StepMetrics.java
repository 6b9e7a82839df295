package org.moma.api.train;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What one optimizer step reports; one JSON line of {@code metrics.jsonl}. The last three are
 * present only where they apply: {@code hostReads} with {@code MOMA_COUNT_HOST_READS=1} (the step's
 * copies of tensor values into Java and ops with data-dependent shapes; not on checkpoint steps),
 * {@code skipped} and {@code lossScale} with fp16 (a step whose gradients overflowed is not applied).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StepMetrics(
    int step,
    int steps,
    double loss,
    double lossText,
    double lossImage,
    double learningRate,
    double gradNorm,
    long textTokens,
    long imageTokens,
    double tokensPerSecond,
    double cumulativeFlops,
    double elapsedSeconds,
    Phases seconds,
    Long hostReads,
    Boolean skipped,
    Double lossScale) {

  /**
   * Where the step's wall time went, in seconds: packing and copying the batch, the forward pass
   * with the loss, the backward pass, summing gradients over the ranks, the optimizer update, and
   * writing a checkpoint (0 on steps without one). {@code tokensPerSecond} excludes the checkpoint.
   */
  public record Phases(double data, double forward, double backward, double allreduce, double optimizer, double checkpoint) {
    public Phases withCheckpoint(double seconds) {
      return new Phases(data, forward, backward, allreduce, optimizer, seconds);
    }

    public double compute() {
      return data + forward + backward + allreduce + optimizer;
    }
  }

  public StepMetrics withSeconds(Phases phases) {
    return new StepMetrics(step, steps, loss, lossText, lossImage, learningRate, gradNorm, textTokens, imageTokens,
        tokensPerSecond, cumulativeFlops, elapsedSeconds, phases, hostReads, skipped, lossScale);
  }

  /** The line without a host-read count (a step that wrote a checkpoint: its reads are the checkpoint's). */
  public StepMetrics withoutHostReads() {
    return new StepMetrics(step, steps, loss, lossText, lossImage, learningRate, gradNorm, textTokens, imageTokens,
        tokensPerSecond, cumulativeFlops, elapsedSeconds, seconds, null, skipped, lossScale);
  }
}
