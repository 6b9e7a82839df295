package org.moma.router.expertchoice;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterInput;
import org.moma.api.model.Routing;

/**
 * The expert-choice router of paper eq. 1: scores {@code sigmoid(x · W_g)} ({@code W_g} d×E, no
 * bias), each expert takes its top-k tokens ({@link ExpertChoice#select}). Subclasses may perturb
 * the logits while training ({@link #trainingLogits}), as the Gumbel-sigmoid router does; this
 * package is exported for such routers.
 */
public class SigmoidRouter extends RouterBlock {
  private final int dModel;
  private final int experts;
  private final double capacity;
  private final Linear gate;

  public SigmoidRouter(int dModel, int experts, double capacity) {
    this.dModel = dModel;
    this.experts = experts;
    this.capacity = capacity;
    gate = addChildBlock("w_g", Linear.builder().setUnits(experts).optBias(false).build());
  }

  /** Logits used while training; the plain logits by default. */
  protected NDArray trainingLogits(NDArray logits) {
    return logits;
  }

  @Override
  public Routing route(ParameterStore store, RouterInput input) {
    NDArray logits = gate.forward(store, new NDList(input.hidden()), input.training()).singletonOrThrow();
    NDArray scores = Activation.sigmoid(input.training() ? trainingLogits(logits) : logits);
    return ExpertChoice.select(scores, capacity);
  }

  @Override
  public int experts() {
    return experts;
  }

  @Override
  public double flopsPerToken() {
    return 2.0 * dModel * experts;
  }

  @Override
  public double expertsPerToken() {
    return (capacity > 0 ? capacity : 1.0 / experts) * experts;
  }
}
