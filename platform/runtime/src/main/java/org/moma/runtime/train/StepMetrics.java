package org.moma.runtime.train;

/** What one optimizer step reports; one JSON line of {@code metrics.jsonl}. */
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
    Phases seconds) {

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
        tokensPerSecond, cumulativeFlops, elapsedSeconds, phases);
  }
}
