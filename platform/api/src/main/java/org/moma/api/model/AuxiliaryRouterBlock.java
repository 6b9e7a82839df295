package org.moma.api.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * An auxiliary router (paper §2.4, eq. 3–4): from one token's hidden state alone, the probability
 * that each expert's batch top-k (or a mixture-of-depths layer's top-k) would take it. Causal
 * inference takes a token where the probability is above {@link #THRESHOLD}; the main router's
 * score stays its gate.
 *
 * <p>The platform trains it with binary cross-entropy against the true selections, on hidden
 * states that carry no gradient into the main model. Parameters are child blocks, initialised for
 * {@code [n, d]} unless {@link #initializeChildBlocks} is overridden.
 */
public abstract class AuxiliaryRouterBlock extends AbstractBlock {
  /** A token is taken when its probability is above this. */
  public static final float THRESHOLD = 0.5f;

  private final int outputs;

  /** @param outputs experts of the group, or 1 for a depth router */
  protected AuxiliaryRouterBlock(int outputs) {
    super((byte) 1);
    this.outputs = outputs;
  }

  public final int outputs() {
    return outputs;
  }

  /** Probabilities {@code [n, outputs]} in (0, 1) for hidden states {@code [n, d]}. */
  public abstract NDArray probabilities(ParameterStore store, NDArray hidden, boolean training);

  /** Forward FLOPs per token of the auxiliary router. */
  public abstract double flopsPerToken();

  /** The causal decisions {@code [n, outputs]} (boolean): probability above {@link #THRESHOLD}. */
  public final NDArray decisions(ParameterStore store, NDArray hidden) {
    return probabilities(store, hidden, false).gt(THRESHOLD);
  }

  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(probabilities(store, inputs.head(), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), outputs)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape shape = inputShapes[0];
    for (Block child : getChildren().values()) {
      child.initialize(manager, dataType, shape);
      shape = child.getOutputShapes(new Shape[] {shape})[0]; // a chain: each child takes the previous one's output
    }
  }
}
