package org.moma.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.moma.api.model.DepthRouterBlock;
import org.moma.api.model.DepthSelection;
import org.moma.api.model.FeedForwardBlock;

/**
 * One decoder layer with Chameleon's norm ordering: {@code h = x + norm(attn(x))},
 * {@code y = h + norm(ffn(h))}. The feed-forward comes from a layer plugin.
 *
 * <p>Input {@code NDList(x [B, T, d], positions [B, T], modality [B·T])} — the modality ids
 * flattened once per batch by the model, so every layer sees the same array; output
 * {@code NDList(y [B, T, d], auxLoss)} where auxLoss is a scalar (0 when the FFN has none).
 *
 * <p>With a depth router (mixture-of-depths, paper §2.3) only the tokens it selects go through the
 * layer: they are gathered in their original order with their original positions (so attention
 * runs among them alone, causally), the layer's update is scaled by the router weight and
 * scattered back; every other token skips the layer unchanged. The feed-forward then sees only the
 * selected tokens, which is the staged MoD-then-MoE of the paper's Figure 2.
 */
public final class TransformerLayer extends AbstractBlock {
  private final int dModel;
  private final CausalSelfAttention attention;
  private final RmsNorm attentionNorm;
  private final FeedForwardBlock feedForward;
  private final RmsNorm feedForwardNorm;
  private final DepthRouterBlock depth;
  private long[] lastDepth; // {tokens seen, tokens processed} of the last forward

  public TransformerLayer(int dModel, int heads, FeedForwardBlock feedForward) {
    this(dModel, heads, feedForward, null);
  }

  public TransformerLayer(int dModel, int heads, FeedForwardBlock feedForward, DepthRouterBlock depth) {
    super((byte) 1);
    this.dModel = dModel;
    attention = addChildBlock("attn", new CausalSelfAttention(dModel, heads));
    attentionNorm = addChildBlock("attn_norm", new RmsNorm(dModel));
    this.feedForward = addChildBlock("ffn", feedForward);
    feedForwardNorm = addChildBlock("ffn_norm", new RmsNorm(dModel));
    this.depth = depth == null ? null : addChildBlock("depth", depth);
  }

  public DepthRouterBlock depth() {
    return depth;
  }

  /** Routing statistics of the last forward: the feed-forward's and, with MoD, the depth router's. */
  public java.util.List<org.moma.api.eval.RoutingStats> lastRouting(int index) {
    java.util.List<org.moma.api.eval.RoutingStats> all = new java.util.ArrayList<>(feedForward.lastRouting(index));
    if (lastDepth != null) {
      all.add(new org.moma.api.eval.RoutingStats(index, "depth", lastDepth[0], new long[] {lastDepth[1]}, lastDepth[0] - lastDepth[1], 0));
    }
    return all;
  }

  public FeedForwardBlock feedForward() {
    return feedForward;
  }

  /**
   * Active forward FLOPs per token of the sequence at the given context length: with a depth
   * router, the share {@code c} of tokens that pass, attending over {@code c·T} tokens, plus the
   * router for every token.
   */
  public double flopsPerToken(int contextLength) {
    if (depth == null) {
      return CausalSelfAttention.flopsPerToken(dModel, contextLength) + feedForward.forwardFlopsPerToken();
    }
    int selected = (int) Math.max(1, Math.round(depth.capacity() * contextLength));
    double share = (double) selected / contextLength;
    return share * (CausalSelfAttention.flopsPerToken(dModel, selected) + feedForward.forwardFlopsPerToken())
        + depth.flopsPerToken();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.get(0);
    NDArray positions = inputs.get(1);
    NDArray modality = inputs.get(2);
    if (depth == null) {
      return body(store, x, positions, modality, training);
    }
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    DepthSelection selection = depth.select(store, x, training);
    NDArray chosen = selection.positions();
    long k = chosen.getShape().get(1);
    lastDepth = new long[] {b * t, b * k};
    NDArray rows = chosen.expandDims(-1).broadcast(new Shape(b, k, dModel));
    NDArray selected = x.gather(rows, 1);
    NDList out = body(store, selected, positions.gather(chosen, 1),
        modality.reshape(b, t).gather(chosen, 1).reshape(-1), training);
    NDArray update = out.get(0).sub(selected).mul(selection.weights().expandDims(-1));
    NDArray y = x.add(x.zerosLike().scatter(rows, update, 1));
    return new NDList(y, out.get(1));
  }

  /**
   * Generation step: new tokens {@code x [B, t, d]} attend to the layer's cache, then go through
   * the feed-forward (which must route causally). Layers with a depth router are not supported yet.
   */
  public NDList applyCached(ParameterStore store, NDArray x, NDArray positions, NDArray modality, CausalSelfAttention.Cache cache) {
    if (depth != null) {
      throw new IllegalStateException("generation with mixture-of-depths layers needs MoD auxiliary routers, not implemented yet");
    }
    NDArray h = x.add(attentionNorm.apply(store, attention.applyCached(store, x, positions, cache)));
    Shape shape = h.getShape();
    NDList ffnOut = feedForward.forward(store, new NDList(h.reshape(-1, dModel), modality.reshape(-1)), false);
    return new NDList(h.add(feedForwardNorm.apply(store, ffnOut.get(0)).reshape(shape)));
  }

  /** Attention and feed-forward over {@code x [B, T', d]} at the given positions. */
  NDList body(ParameterStore store, NDArray x, NDArray positions, NDArray modality, boolean training) {
    NDArray h = x.add(attentionNorm.apply(store, attention.apply(store, x, positions, training)));
    Shape shape = h.getShape();
    NDArray flat = h.reshape(-1, dModel);
    NDList ffnOut = feedForward.forward(store, new NDList(flat, modality), training);
    NDArray y = h.add(feedForwardNorm.apply(store, ffnOut.get(0)).reshape(shape));
    NDArray aux = ffnOut.size() > 1 ? ffnOut.get(1) : x.getManager().zeros(new Shape());
    return new NDList(y, aux);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0], new Shape()};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape x = inputShapes[0];
    if (depth != null) {
      depth.initialize(manager, dataType, x);
      long k = Math.max(1, Math.round(depth.capacity() * x.get(1)));
      x = new Shape(x.get(0), k, x.get(2));
    }
    attention.initialize(manager, dataType, x, new Shape(x.get(0), x.get(1)));
    attentionNorm.initialize(manager, dataType, x);
    Shape flat = new Shape(x.get(0) * x.get(1), x.get(2));
    feedForward.initialize(manager, dataType, flat, new Shape(flat.get(0)));
    feedForwardNorm.initialize(manager, dataType, flat);
  }
}
