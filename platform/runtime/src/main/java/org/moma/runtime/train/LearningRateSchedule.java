package org.moma.runtime.train;

/** Linear warm-up to the peak, then linear decay to {@code minRatio × peak} at the last step (§4.1). */
public record LearningRateSchedule(double peak, int warmupSteps, int totalSteps, double minRatio) {
  /** Learning rate of 0-based step {@code step}. */
  public double at(int step) {
    if (warmupSteps > 0 && step < warmupSteps) {
      return peak * (step + 1) / warmupSteps;
    }
    int decaySteps = Math.max(1, totalSteps - warmupSteps - 1);
    double progress = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
    return peak * (1.0 - (1.0 - minRatio) * progress);
  }
}
