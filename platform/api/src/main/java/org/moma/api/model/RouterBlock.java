package org.moma.api.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;

/**
 * Decides which tokens of one group each expert processes, and with what weight.
 *
 * <p>Built per group by a {@link RouterPlugin}; its parameters (e.g. {@code W_g}) are owned by the
 * block so the optimizer sees them.
 */
public abstract class RouterBlock extends AbstractBlock {
  private String origin;

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

  /**
   * @param tokens {@code [N, d]} hidden states of the group's tokens
   * @param training whether the batch is a training batch (noise, capacity rules)
   */
  public abstract Routing route(ParameterStore store, NDArray tokens, boolean training);

  /** Number of experts this router distributes to. */
  public abstract int experts();

  /** Forward FLOPs per routed token spent by the router itself. */
  public abstract double flopsPerToken();

  /**
   * How many experts a token passes through on average, for FLOPs accounting: {@code capacity·E}
   * for expert choice (1 when compute-matched), {@code k} for top-k token choice.
   */
  public abstract double expertsPerToken();
}
