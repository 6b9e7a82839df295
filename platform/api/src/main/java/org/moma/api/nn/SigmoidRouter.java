package org.moma.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.Routing;

/**
 * An expert-choice router over {@code sigmoid(x · W_g)} (paper eq. 1). Subclasses may perturb the
 * logits while training ({@link #trainingLogits}), as the Gumbel-sigmoid router does.
 */
public class SigmoidRouter extends RouterBlock {
  private final int dModel;
  private final int experts;
  private final double capacity;
  private final Linear gate;

  public SigmoidRouter(int dModel, int experts, double capacity) {
    super((byte) 1);
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
  public Routing route(ParameterStore store, NDArray tokens, boolean training) {
    NDArray logits = gate.forward(store, new NDList(tokens), training).singletonOrThrow();
    NDArray scores = Activation.sigmoid(training ? trainingLogits(logits) : logits);
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

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(route(store, inputs.head(), training).scores());
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), experts)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    gate.initialize(manager, dataType, inputShapes[0]);
  }
}
