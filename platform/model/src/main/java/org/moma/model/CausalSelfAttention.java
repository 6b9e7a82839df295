package org.moma.model;

import org.moma.model.internal.RmsNorm;
import org.moma.model.internal.Rotary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.moma.api.nn.Tensors;

/**
 * Multi-head causal self-attention with query-key normalisation (Chameleon) and rotary positions.
 * Input {@code NDList(x [B, T, d], positions [B, T])}; a token attends to tokens at positions not
 * after its own, so a subset of tokens (mixture-of-depths) attends only among itself.
 */
public final class CausalSelfAttention extends AbstractBlock {
  private final int dModel;
  private final int heads;
  private final int headDim;
  private final Linear qkv;
  private final Linear out;
  private final RmsNorm queryNorm;
  private final RmsNorm keyNorm;

  public CausalSelfAttention(int dModel, int heads) {
    super((byte) 1);
    this.dModel = dModel;
    this.heads = heads;
    this.headDim = dModel / heads;
    qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * dModel).optBias(false).build());
    out = addChildBlock("out", Linear.builder().setUnits(dModel).optBias(false).build());
    queryNorm = addChildBlock("qnorm", new RmsNorm(headDim));
    keyNorm = addChildBlock("knorm", new RmsNorm(headDim));
  }

  /** Forward FLOPs per token at context length {@code t}: projections plus scores and mixing. */
  public static double flopsPerToken(int dModel, int contextLength) {
    return 2.0 * 4 * dModel * dModel + 2.0 * 2 * dModel * contextLength;
  }

  public NDArray apply(ParameterStore store, NDArray x, NDArray positions, boolean training) {
    return apply(store, x, positions, null, training);
  }

  /**
   * @param keyMask {@code [B, T]}, true where a token may be attended to (null: all tokens); used
   *     by causal mixture-of-depths, where a layer's tokens attend only among those it processes
   */
  public NDArray apply(ParameterStore store, NDArray x, NDArray positions, NDArray keyMask, boolean training) {
    NDList qkvHeads = project(store, x, positions, training);
    NDArray blocked = keyMask == null ? null : keyMask.logicalNot().toType(wide(x.getDataType()), false).mul(-1e9f);
    return attend(store, qkvHeads.get(0), qkvHeads.get(1), qkvHeads.get(2), 0, blocked, training);
  }

  /**
   * Keys and values of the tokens seen so far, {@code [B, H, T, hd]} (rotary already applied), for
   * generation: new tokens attend to the cache and to each other causally.
   */
  public static final class Cache {
    NDArray keys;
    NDArray values;
    /** Tokens of the sequence so far, processed by this layer or not (mixture-of-depths skips some). */
    long seen;
    /** {@code [B, T]} in the scores' type: 0 for real keys, −1e9 for padding (left-padded prompts of a batch); null: none. */
    NDArray padding;

    public long length() {
      return keys == null ? 0 : keys.getShape().get(2);
    }
  }

  /** Attention of new tokens {@code x [B, t, d]} at {@code positions [B, t]}, extending {@code cache}. */
  public NDArray applyCached(ParameterStore store, NDArray x, NDArray positions, Cache cache) {
    return applyCached(store, x, positions, null, cache);
  }

  /**
   * @param valid {@code [B, t]} false for padding tokens, which no token may attend to (null: all real)
   */
  public NDArray applyCached(ParameterStore store, NDArray x, NDArray positions, NDArray valid, Cache cache) {
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    NDList qkvHeads = project(store, x, positions, false);
    NDArray q = qkvHeads.get(0);
    NDArray k = qkvHeads.get(1);
    NDArray v = qkvHeads.get(2);
    long past = cache.length();
    cache.keys = past == 0 ? k : cache.keys.concat(k, 2);
    cache.values = past == 0 ? v : cache.values.concat(v, 2);
    if (valid != null || cache.padding != null) {
      DataType type = wide(x.getDataType());
      NDArray fresh = valid == null ? x.getManager().zeros(new Shape(b, t), type).toDevice(x.getDevice(), false)
          : valid.logicalNot().toType(type, false).mul(-1e9f);
      cache.padding = cache.padding == null
          ? (past == 0 ? fresh : x.getManager().zeros(new Shape(b, past), type).toDevice(x.getDevice(), false).concat(fresh, 1))
          : cache.padding.concat(fresh, 1);
    }
    return attend(store, q, cache.keys, cache.values, past, cache.padding, false);
  }

  /**
   * Scaled dot-product attention of queries {@code [B, H, t, hd]} whose first one sits at key index
   * {@code offset}, over keys and values {@code [B, H, Tk, hd]}: causal, plus an additive
   * {@code blocked [B, Tk]} (0 or a large negative number) for keys no query may see; then the
   * heads are merged and projected.
   */
  private NDArray attend(ParameterStore store, NDArray q, NDArray keys, NDArray values, long offset, NDArray blocked,
      boolean training) {
    long b = q.getShape().get(0);
    long t = q.getShape().get(2);
    long tk = keys.getShape().get(2);
    NDArray scores = Tensors.times(q.matMul(keys.transpose(0, 1, 3, 2)), 1 / Math.sqrt(headDim));
    // masks and softmax in fp32 whatever the compute precision: −1e9 is −inf in fp16, and 0·inf is NaN
    NDArray narrow = scores;
    scores = Tensors.widen(scores);
    scores = scores.add(futureMask(q.getManager(), t, tk, offset, scores));
    if (blocked != null) {
      scores = scores.add(blocked.reshape(b, 1, 1, tk));
    }
    NDArray mixed = Tensors.cast(scores.softmax(-1), narrow.getDataType()).matMul(values); // [B, H, t, hd]
    NDArray merged = mixed.transpose(0, 2, 1, 3).reshape(b, t, dModel);
    return out.forward(store, new NDList(merged), training).singletonOrThrow();
  }

  /** The type attention scores are masked and normalised in: fp32 for fp16 compute. */
  private static DataType wide(DataType type) {
    return type == DataType.FLOAT16 ? DataType.FLOAT32 : type;
  }

  /** Queries, keys (both normalised and rotated) and values, each {@code [B, H, T, hd]}. */
  private NDList project(ParameterStore store, NDArray x, NDArray positions, boolean training) {
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    NDArray projected = qkv.forward(store, new NDList(x), training).singletonOrThrow();
    // [B, T, 3, H, hd] -> [3, B, H, T, hd]
    NDArray split = projected.reshape(b, t, 3, heads, headDim).transpose(2, 0, 3, 1, 4);
    NDList tables = Rotary.tables(positions, headDim, x.getDataType());
    return new NDList(Rotary.apply(queryNorm.apply(store, split.get(0)), tables),
        Rotary.apply(keyNorm.apply(store, split.get(1)), tables), split.get(2));
  }

  /** {@code [t, Tk]}: 0 where query i (key index offset+i) may attend, a large negative number at later keys. */
  private static NDArray futureMask(NDManager manager, long t, long tk, long offset, NDArray like) {
    NDArray rows = manager.arange((int) t).toDevice(like.getDevice(), false).add(offset).reshape(t, 1);
    NDArray cols = manager.arange((int) tk).toDevice(like.getDevice(), false).reshape(1, tk);
    return cols.gt(rows).toType(like.getDataType(), false).mul(-1e9f);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(apply(store, inputs.get(0), inputs.get(1), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape in = inputShapes[0];
    qkv.initialize(manager, dataType, in);
    out.initialize(manager, dataType, in);
    Shape head = new Shape(in.get(0), heads, in.get(1), headDim);
    queryNorm.initialize(manager, dataType, head);
    keyNorm.initialize(manager, dataType, head);
  }
}
