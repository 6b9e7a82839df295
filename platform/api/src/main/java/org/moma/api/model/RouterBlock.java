package org.moma.api.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Decides which tokens of one group each expert processes, and with what weight.
 *
 * <p>Built per group by a {@link RouterPlugin}. A router author implements {@link #route},
 * {@link #experts}, {@link #flopsPerToken} and {@link #expertsPerToken}; parameters are child
 * blocks added with {@code addChildBlock} (so the optimizer and checkpoints see them), and they are
 * initialised for the group's hidden states {@code [N, d]} unless the router overrides
 * {@link #initializeChildBlocks}. The platform checks every answer against {@link Routing}'s
 * contract and names the router when it is broken.
 */
public abstract class RouterBlock extends AbstractBlock {
  private String origin;

  protected RouterBlock() {
    super((byte) 1);
  }

  protected RouterBlock(byte version) {
    super(version);
  }

  /** Who made this router, for errors: set by the platform when it creates the block from a spec. */
  public final void setOrigin(String origin) {
    this.origin = origin;
  }

  /** "router plugin 'x' of bundle b in group layer1.image", or the class when the platform did not say. */
  public final String origin() {
    return origin != null ? origin : "router " + getClass().getName();
  }

  /** The routing of one group's tokens: per expert, the tokens it takes and their gates. */
  public abstract Routing route(ParameterStore store, RouterInput input);

  /** Number of experts this router distributes to. */
  public abstract int experts();

  /** Forward FLOPs per routed token spent by the router itself. */
  public abstract double flopsPerToken();

  /**
   * How many experts a token passes through on average, for FLOPs accounting: {@code capacity·E}
   * for expert choice (1 when compute-matched), {@code k} for top-k token choice.
   */
  public abstract double expertsPerToken();

  /**
   * True when each token's routing depends only on the token itself and its past (hash routing by
   * token id), so evaluation and generation need no auxiliary router; false for batch top-k.
   */
  public boolean causal() {
    return false;
  }

  /** As a DJL block: the scores {@code [N, E]} of hidden states alone (the platform calls {@link #route}). */
  @Override
  protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(route(store, new RouterInput(inputs.head(), TokenContext.fromInputs(inputs), null, training)).scores());
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), experts())};
  }

  /** Every child block is initialised for hidden states {@code [N, d]}. */
  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    for (Block child : getChildren().values()) {
      child.initialize(manager, dataType, inputShapes[0]);
    }
  }
}
