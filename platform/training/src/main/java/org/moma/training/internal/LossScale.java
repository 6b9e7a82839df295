package org.moma.training.internal;

import org.moma.runs.Checkpoints;

/**
 * Dynamic loss scaling for fp16 training, as PyTorch's {@code GradScaler} does it: the objective is
 * multiplied by the scale before the backward pass so that small gradients survive in half
 * precision, and the update divides it out. A step whose gradients overflow is skipped and the scale
 * halves; after {@link #GROWTH_INTERVAL} steps in a row without an overflow it doubles.
 */
public final class LossScale {
  static final int GROWTH_INTERVAL = 2000;
  private double scale;
  private int goodSteps;

  public LossScale(double initial) {
    this(new Checkpoints.LossScaleState(initial, 0));
  }

  public LossScale(Checkpoints.LossScaleState state) {
    restore(state);
  }

  public void restore(Checkpoints.LossScaleState state) {
    this.scale = state.scale();
    this.goodSteps = state.goodSteps();
  }

  public double scale() {
    return scale;
  }

  public Checkpoints.LossScaleState state() {
    return new Checkpoints.LossScaleState(scale, goodSteps);
  }

  /** The step's gradients overflowed: it is skipped and the scale backs off. */
  public void overflowed() {
    scale /= 2;
    goodSteps = 0;
  }

  /** The step was applied. */
  public void applied() {
    if (++goodSteps == GROWTH_INTERVAL) {
      scale *= 2;
      goodSteps = 0;
    }
  }
}
