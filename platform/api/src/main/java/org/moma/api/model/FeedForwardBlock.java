package org.moma.api.model;

import ai.djl.nn.AbstractBlock;

/**
 * The feed-forward part of one transformer layer, built by a {@link LayerPlugin}.
 *
 * <p>Forward contract: input {@code NDList(x [N, d], modality [N] int32, tokenIds [N], positions [N],
 * sequences [N])} over the flattened tokens of the batch ({@link TokenContext#fromInputs} reads all
 * but {@code x}); output {@code NDList(y [N, d])}, optionally followed by a scalar auxiliary loss
 * that the trainer adds to the objective. Tokens are flattened so routing over "the batch" (expert
 * choice, paper eq. 1) is one top-k per expert.
 */
public abstract class FeedForwardBlock extends AbstractBlock {
  protected FeedForwardBlock(byte version) {
    super(version);
  }

  /** Active forward FLOPs per token of this block (multiply-adds count 2), routing included. */
  public abstract double forwardFlopsPerToken();

  /** The expert groups inside this block by name ({@code moe}, {@code text}, {@code image} …); empty for dense blocks. */
  public java.util.Map<String, ? extends RoutedGroup> expertGroups() {
    return java.util.Map.of();
  }

  /** Routing statistics of the last forward, for the routing evaluator; empty for dense blocks. */
  public java.util.List<org.moma.api.eval.RoutingStats> lastRouting(int layer) {
    return java.util.List.of();
  }
}
