package org.moma.api.train;

/**
 * What a schedule is built for: the spec's {@code training.learningRate} (the peak),
 * {@code warmupSteps}, {@code steps} and {@code minLrRatio}.
 *
 * @param path JSON path of the schedule's options in the spec, for error messages
 */
public record ScheduleContext(double peak, int warmupSteps, int steps, double minLrRatio, String path) {
  /** Whether {@code step} is in the warm-up. */
  public boolean warmingUp(int step) {
    return warmupSteps > 0 && step < warmupSteps;
  }

  /** The warm-up's rate at {@code step}: linear from peak/warmup to the peak. */
  public double warmup(int step) {
    return peak * (step + 1) / warmupSteps;
  }
}
