package org.moma.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import org.moma.api.model.Routing;

/**
 * An expert-choice router over {@code sigmoid(x · W_g)} (paper eq. 1). Subclasses may perturb the
 * logits while training ({@link #trainingLogits}), as the Gumbel-sigmoid router does.
 */
public class SigmoidRouter extends GatedRouter {
  private final double capacity;

  public SigmoidRouter(int dModel, int experts, double capacity) {
    super(dModel, experts);
    this.capacity = capacity;
  }

  /** Logits used while training; the plain logits by default. */
  protected NDArray trainingLogits(NDArray logits) {
    return logits;
  }

  @Override
  public Routing route(ParameterStore store, NDArray tokens, boolean training) {
    NDArray logits = logits(store, tokens, training);
    NDArray scores = Activation.sigmoid(training ? trainingLogits(logits) : logits);
    return ExpertChoice.select(scores, capacity);
  }

  @Override
  public double expertsPerToken() {
    return (capacity > 0 ? capacity : 1.0 / experts()) * experts();
  }
}
