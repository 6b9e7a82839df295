package org.moma.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import org.moma.api.nn.Tensors;
import ai.djl.util.PairList;

/** RMSNorm over the last axis with a learned per-channel scale (initialised to 1). */
public final class RmsNorm extends AbstractBlock {
  private static final float EPS = 1e-5f;
  private final int width;
  private final Parameter scale;

  public RmsNorm(int width) {
    super((byte) 1);
    this.width = width;
    scale =
        addParameter(
            Parameter.builder()
                .setName("scale")
                .setType(Parameter.Type.GAMMA)
                .optShape(new Shape(width))
                .build());
  }

  public NDArray apply(ParameterStore store, NDArray x) {
    // in fp32 whatever the compute precision: in fp16 the mean of squares overflows past |x| = 256
    NDArray wide = Tensors.widen(x);
    NDArray rms = wide.square().mean(new int[] {-1}, true).add(EPS).sqrt();
    NDArray gamma = Tensors.widen(store.getValue(scale, x.getDevice(), false));
    return Tensors.cast(wide.div(rms).mul(gamma), x.getDataType());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(apply(store, inputs.head()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  public void prepare(Shape[] inputShapes) {
    long last = inputShapes[0].get(inputShapes[0].dimension() - 1);
    if (last != width) {
      throw new IllegalArgumentException("RmsNorm(" + width + ") applied to width " + last);
    }
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {}
}
