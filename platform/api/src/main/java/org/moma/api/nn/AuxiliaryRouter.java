package org.moma.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The auxiliary router of paper §2.4: {@code sigmoid(SiLU(x·W_a1)·W_a2)}, {@code d → d/2 → out}. It
 * predicts from a token alone whether each expert's batch top-k would take it, so inference can route
 * causally (take the token when the score is above 0.5).
 */
public final class AuxiliaryRouter extends AbstractBlock {
  private final int outputs;
  private final Linear hidden;
  private final Linear out;

  public AuxiliaryRouter(int dModel, int outputs) {
    super((byte) 1);
    this.outputs = outputs;
    hidden = addChildBlock("w_a1", Linear.builder().setUnits(Math.max(1, dModel / 2)).optBias(false).build());
    out = addChildBlock("w_a2", Linear.builder().setUnits(outputs).optBias(false).build());
  }

  /** Probabilities {@code [n, outputs]} that each expert (or the depth router) selects each token. */
  public NDArray scores(ParameterStore store, NDArray x, boolean training) {
    NDArray h = Tensors.silu(hidden.forward(store, new NDList(x), training).singletonOrThrow());
    return Activation.sigmoid(out.forward(store, new NDList(h), training).singletonOrThrow());
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(scores(store, inputs.head(), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), outputs)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    hidden.initialize(manager, dataType, inputShapes[0]);
    out.initialize(manager, dataType, new Shape(inputShapes[0].get(0), Math.max(1, inputShapes[0].get(1) / 2)));
  }
}
