package org.moma.api.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;

/**
 * Chooses which tokens of each sequence a wrapped layer processes. The backbone gathers those
 * tokens (keeping their order and positions), runs the layer on them alone, scales the layer's
 * residual update by the weights and scatters the result back; the others skip the layer.
 */
public abstract class DepthRouterBlock extends AbstractBlock {
  protected DepthRouterBlock(byte version) {
    super(version);
  }

  /**
   * @param hidden {@code [B, T, d]}
   * @return selected positions {@code [B, k]} (int64, ascending) and their weights {@code [B, k]}
   */
  public abstract DepthSelection select(ParameterStore store, NDArray hidden, boolean training);

  /** Forward FLOPs per token of the router itself. */
  public abstract double flopsPerToken();

  /** Share of each sequence's tokens the wrapped layer processes ({@code c_d}). */
  public abstract double capacity();
}
