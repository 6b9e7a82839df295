package org.moma.model;

import org.moma.model.internal.RmsNorm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.moma.api.model.AuxiliaryRouterBlock;
import org.moma.api.model.DepthRouterBlock;
import org.moma.api.model.DepthSelection;
import org.moma.api.model.FeedForwardBlock;
import org.moma.api.nn.Tensors;

/**
 * One decoder layer with Chameleon's norm ordering: {@code h = x + norm(attn(x))},
 * {@code y = h + norm(ffn(h))}. The feed-forward comes from a layer plugin.
 *
 * <p>Input {@code NDList(x [B, T, d], positions [B, T], modality [B·T], tokenIds [B·T],
 * sequences [B·T])} — flattened once per batch by the model, so every layer sees the same arrays
 * (the last two may be left out; routers then cannot read them); output
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
  private AuxiliaryRouterBlock depthAuxiliary;
  private double depthNoise;
  private boolean recordingDepth;
  private boolean recordDepthNoiseFree;
  private NDArray recordedDepthInput;
  private NDArray recordedDepthTargets;

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

  /** Decides causally which tokens pass this MoD layer at evaluation (score > 0.5); null restores top-k. */
  public void useDepthAuxiliary(AuxiliaryRouterBlock router) {
    this.depthAuxiliary = depth == null ? null : router;
  }

  public boolean causalDepth() {
    return depth == null || depthAuxiliary != null;
  }

  public void setDepthNoise(double sigma) {
    this.depthNoise = sigma;
  }

  /** While on, forwards keep the depth router's input {@code [B·T, d]} and true selections {@code [B·T, 1]}. */
  public void recordDepth(boolean on, boolean noiseFree) {
    recordingDepth = on;
    recordDepthNoiseFree = noiseFree;
    recordedDepthInput = null;
    recordedDepthTargets = null;
  }

  public NDArray recordedDepthInput() {
    return recordedDepthInput;
  }

  public NDArray recordedDepthTargets() {
    return recordedDepthTargets;
  }

  /** Which tokens {@code [B, T]} pass this layer causally: the auxiliary router's decisions, optionally flipped. */
  private NDArray causalSelection(ParameterStore store, NDArray x) {
    Shape shape = x.getShape();
    return Tensors.flip(depthAuxiliary.decisions(store, x.reshape(-1, dModel)).reshape(shape.get(0), shape.get(1)), depthNoise);
  }

  /** {@code [B, T]} of {@code type}: 1 at the selected positions {@code [B, k]}, 0 elsewhere. */
  private static NDArray selectedMask(NDArray positions, long b, long t, DataType type) {
    NDArray mask = positions.getManager().zeros(new Shape(b, t), type).toDevice(positions.getDevice(), false);
    long k = positions.getShape().get(1);
    NDArray rows = positions.getManager().arange((int) b).toType(DataType.INT64, false).toDevice(positions.getDevice(), false)
        .reshape(b, 1).broadcast(new Shape(b, k)).reshape(-1);
    mask.set(new ai.djl.ndarray.index.NDIndex("{}, {}", rows, positions.reshape(-1)), 1f);
    return mask;
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
    NDArray tokenIds = inputs.size() > 3 ? inputs.get(3) : null;
    NDArray sequences = inputs.size() > 4 ? inputs.get(4) : null;
    if (depth == null) {
      return body(store, x, positions, modality, tokenIds, sequences, null, training);
    }
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    DepthSelection selection = depth.select(store, x, training && !(recordingDepth && recordDepthNoiseFree)); // as for expert groups
    if (!training && (depthAuxiliary != null || depthNoise > 0)) {
      // each token's own decision (causal), or the batch top-k with a share of its decisions flipped
      // (§4.6); the layer runs among the chosen tokens (key mask), the rest skip it
      NDArray chosenMask = depthAuxiliary != null ? causalSelection(store, x)
          : Tensors.flip(selectedMask(selection.positions(), b, t, DataType.FLOAT32).gt(0.5f), depthNoise);
      NDList out = body(store, x, positions, modality, tokenIds, sequences, chosenMask, training);
      NDArray update = out.get(0).sub(x).mul(selection.scores().mul(chosenMask.toType(x.getDataType(), false)).expandDims(-1));
      lastDepth = new long[] {b * t, chosenMask.toType(ai.djl.ndarray.types.DataType.INT64, false).sum().getLong()};
      return new NDList(x.add(update), out.get(1));
    }
    NDArray chosen = selection.positions();
    long k = chosen.getShape().get(1);
    lastDepth = new long[] {b * t, b * k};
    if (recordingDepth) {
      recordedDepthInput = x.reshape(-1, dModel).stopGradient();
      recordedDepthTargets = selectedMask(chosen, b, t, x.getDataType()).reshape(-1, 1);
    }
    NDArray rows = chosen.expandDims(-1).broadcast(new Shape(b, k, dModel));
    NDArray selected = x.gather(rows, 1);
    NDList out = body(store, selected, positions.gather(chosen, 1), gatherRows(modality, chosen),
        gatherRows(tokenIds, chosen), gatherRows(sequences, chosen), null, training);
    NDArray update = out.get(0).sub(selected).mul(selection.weights().expandDims(-1));
    NDArray y = x.add(x.zerosLike().scatter(rows, update, 1));
    return new NDList(y, out.get(1));
  }

  /** The entries of a flattened {@code [B·T]} array at the chosen positions {@code [B, k]}, flattened; null stays null. */
  private static NDArray gatherRows(NDArray flat, NDArray chosen) {
    return flat == null ? null : flat.reshape(chosen.getShape().get(0), -1).gather(chosen, 1).reshape(-1);
  }

  /**
   * Generation step: new tokens {@code x [B, t, d]} with ids {@code tokenIds [B, t]} in rows
   * {@code sequences [B, t]} attend to the layer's cache, then go through the feed-forward (which
   * must route causally); {@code valid [B, t]} marks padding tokens (left-padded prompts), which
   * nothing attends to, or is null.
   */
  public NDList applyCached(ParameterStore store, NDArray x, NDArray positions, NDArray modality, NDArray tokenIds,
      NDArray sequences, NDArray valid, CausalSelfAttention.Cache cache) {
    if (depth != null) {
      if (depthAuxiliary == null) {
        throw new IllegalStateException("generation through a mixture-of-depths layer needs its auxiliary router ('moma train-aux')");
      }
      // The cache keeps a slot for every token but only those this layer processed are valid keys,
      // so each row attends exactly to its own processed tokens: batched MoD generation without
      // ragged caches. Tokens the layer skips leave it unchanged.
      NDArray chosen = causalSelection(store, x);
      NDArray keys = valid == null ? chosen : valid.logicalAnd(chosen);
      NDArray out = denseCached(store, x, positions, modality, tokenIds, sequences, keys, cache);
      NDArray weights = depth.select(store, x, false).scores().mul(chosen.toType(x.getDataType(), false));
      return new NDList(x.add(out.sub(x).mul(weights.expandDims(-1))));
    }
    return new NDList(denseCached(store, x, positions, modality, tokenIds, sequences, valid, cache));
  }

  private NDArray denseCached(ParameterStore store, NDArray x, NDArray positions, NDArray modality, NDArray tokenIds,
      NDArray sequences, NDArray valid, CausalSelfAttention.Cache cache) {
    NDArray h = x.add(attentionNorm.apply(store, attention.applyCached(store, x, positions, valid, cache)));
    Shape shape = h.getShape();
    NDList ffnOut = feedForward.forward(store, feedForwardInputs(h.reshape(-1, dModel), modality.reshape(-1),
        tokenIds == null ? null : tokenIds.reshape(-1), positions, sequences), false);
    return h.add(feedForwardNorm.apply(store, ffnOut.get(0)).reshape(shape));
  }

  /** The feed-forward's inputs: {@code (x, modality)}, then token ids, positions and sequences when the ids are known. */
  private static NDList feedForwardInputs(NDArray flat, NDArray modality, NDArray tokenIds, NDArray positions, NDArray sequences) {
    if (tokenIds == null) {
      return new NDList(flat, modality);
    }
    return new NDList(flat, modality, tokenIds, positions.reshape(-1), sequences.reshape(-1));
  }

  /** Attention and feed-forward over {@code x [B, T', d]} at the given positions, without token ids. */
  NDList body(ParameterStore store, NDArray x, NDArray positions, NDArray modality, boolean training) {
    return body(store, x, positions, modality, null, null, null, training);
  }

  /** Attention and feed-forward over {@code x [B, T', d]} at the given positions; {@code keyMask} may be null. */
  private NDList body(ParameterStore store, NDArray x, NDArray positions, NDArray modality, NDArray tokenIds,
      NDArray sequences, NDArray keyMask, boolean training) {
    NDArray h = x.add(attentionNorm.apply(store, attention.apply(store, x, positions, keyMask, training)));
    Shape shape = h.getShape();
    NDArray flat = h.reshape(-1, dModel);
    NDList ffnOut = feedForward.forward(store, feedForwardInputs(flat, modality, tokenIds, positions, sequences), training);
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
