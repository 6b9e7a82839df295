package org.moma.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.moma.api.model.FeedForwardBlock;

/**
 * One decoder layer with Chameleon's norm ordering: {@code h = x + norm(attn(x))},
 * {@code y = h + norm(ffn(h))}. The feed-forward comes from a layer plugin.
 *
 * <p>Input {@code NDList(x [B, T, d], positions [B, T], modality [B·T])} — the modality ids
 * flattened once per batch by the model, so every layer sees the same array; output
 * {@code NDList(y [B, T, d], auxLoss)} where auxLoss is a scalar (0 when the FFN has none).
 */
public final class TransformerLayer extends AbstractBlock {
  private final int dModel;
  private final CausalSelfAttention attention;
  private final RmsNorm attentionNorm;
  private final FeedForwardBlock feedForward;
  private final RmsNorm feedForwardNorm;

  public TransformerLayer(int dModel, int heads, FeedForwardBlock feedForward) {
    super((byte) 1);
    this.dModel = dModel;
    attention = addChildBlock("attn", new CausalSelfAttention(dModel, heads));
    attentionNorm = addChildBlock("attn_norm", new RmsNorm(dModel));
    this.feedForward = addChildBlock("ffn", feedForward);
    feedForwardNorm = addChildBlock("ffn_norm", new RmsNorm(dModel));
  }

  public FeedForwardBlock feedForward() {
    return feedForward;
  }

  /** Forward FLOPs per token processed by this layer at the given context length. */
  public double flopsPerToken(int contextLength) {
    return CausalSelfAttention.flopsPerToken(dModel, contextLength)
        + feedForward.forwardFlopsPerToken();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.get(0);
    NDArray positions = inputs.get(1);
    NDArray modality = inputs.get(2);
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
    attention.initialize(manager, dataType, x, inputShapes[1]);
    attentionNorm.initialize(manager, dataType, x);
    Shape flat = new Shape(x.get(0) * x.get(1), x.get(2));
    feedForward.initialize(manager, dataType, flat, new Shape(flat.get(0)));
    feedForwardNorm.initialize(manager, dataType, flat);
  }
}
