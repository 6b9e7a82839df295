package org.moma.experts;

import org.moma.api.nn.Tensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * SwiGLU feed-forward {@code W2 (silu(W1 x) ⊙ W3 x)} without biases (Chameleon/LLaMA). Shared by
 * the dense layer and every expert so that an expert is exactly a dense FFN (upcycling copies one
 * into the other).
 */
public final class SwiGlu extends AbstractBlock {
  private final int dModel;
  private final int hidden;
  private final Linear gate;
  private final Linear up;
  private final Linear down;

  public SwiGlu(int dModel, int hidden) {
    super((byte) 1);
    this.dModel = dModel;
    this.hidden = hidden;
    gate = addChildBlock("w1", Linear.builder().setUnits(hidden).optBias(false).build());
    up = addChildBlock("w3", Linear.builder().setUnits(hidden).optBias(false).build());
    down = addChildBlock("w2", Linear.builder().setUnits(dModel).optBias(false).build());
  }

  /** Forward FLOPs per token: three matrix products of d×h, two FLOPs per multiply-add. */
  public static double flopsPerToken(int dModel, int hidden) {
    return 6.0 * dModel * hidden;
  }

  public int hidden() {
    return hidden;
  }

  /** Applies the FFN to {@code x [..., d]}. */
  public NDArray apply(ParameterStore store, NDArray x, boolean training) {
    NDArray g = gate.forward(store, new NDList(x), training).singletonOrThrow();
    NDArray u = up.forward(store, new NDList(x), training).singletonOrThrow();
    return down.forward(store, new NDList(Tensors.silu(g).mul(u)), training).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(apply(store, inputs.head(), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape in = inputShapes[0];
    gate.initialize(manager, dataType, in);
    up.initialize(manager, dataType, in);
    Shape hiddenShape = in.slice(0, in.dimension() - 1).add(hidden);
    down.initialize(manager, dataType, hiddenShape);
  }

  @Override
  public String toString() {
    return "SwiGlu(" + dModel + "→" + hidden + "→" + dModel + ")";
  }
}
