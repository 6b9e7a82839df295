package org.moma.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.moma.api.model.RouterBlock;

/** A router whose scores start from one linear gate {@code x · W_g} ({@code d → E}, no bias). */
public abstract class GatedRouter extends RouterBlock {
  private final int dModel;
  private final int experts;
  private final Linear gate;

  protected GatedRouter(int dModel, int experts) {
    super((byte) 1);
    this.dModel = dModel;
    this.experts = experts;
    gate = addChildBlock("w_g", Linear.builder().setUnits(experts).optBias(false).build());
  }

  /** {@code x · W_g}, {@code [n, E]}. */
  protected NDArray logits(ParameterStore store, NDArray tokens, boolean training) {
    return gate.forward(store, new NDList(tokens), training).singletonOrThrow();
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
