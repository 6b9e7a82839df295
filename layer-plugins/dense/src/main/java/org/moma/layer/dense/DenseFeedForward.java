package org.moma.layer.dense;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.moma.api.model.FeedForwardBlock;
import org.moma.experts.SwiGlu;

/** The feed-forward of a dense layer: the modality ids in the input are ignored. */
final class DenseFeedForward extends FeedForwardBlock {
  private final int dModel;
  private final SwiGlu ffn;

  DenseFeedForward(int dModel, int hidden) {
    super((byte) 1);
    this.dModel = dModel;
    ffn = addChildBlock("ffn", new SwiGlu(dModel, hidden));
  }

  @Override
  public double forwardFlopsPerToken() {
    return SwiGlu.flopsPerToken(dModel, ffn.hidden());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(ffn.apply(store, inputs.head(), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    ffn.initialize(manager, dataType, inputShapes[0]);
  }
}
