package org.moma.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary position embedding on {@code [B, H, T, hd]} queries/keys, at explicit positions so that
 * tokens selected by mixture-of-depths keep their original positions.
 */
public final class Rotary {
  private static final double BASE = 10000.0;

  private Rotary() {}

  /**
   * cos and sin tables {@code [B, 1, T, hd/2]} of {@code type} for positions {@code [B, T]}; the
   * angles of fp16 tables are computed in fp32 (fp16 holds positions above 2,048 only to the nearest
   * even number).
   */
  public static NDList tables(NDArray positions, int headDim, DataType type) {
    int half = headDim / 2;
    DataType wide = type == DataType.FLOAT16 ? DataType.FLOAT32 : type;
    NDArray exponent = positions.getManager().arange(0, half, 1, wide).div(half);
    NDArray invFreq = exponent.mul(-Math.log(BASE)).exp().toDevice(positions.getDevice(), false);
    NDArray angles = positions.toType(wide, false).expandDims(-1).mul(invFreq);
    angles = angles.expandDims(1);
    return new NDList(angles.cos().toType(type, false), angles.sin().toType(type, false));
  }

  public static NDArray apply(NDArray x, NDList tables) {
    long half = x.getShape().get(3) / 2;
    NDArray x1 = x.get(new NDIndex("..., :{}", half));
    NDArray x2 = x.get(new NDIndex("..., {}:", half));
    NDArray cos = tables.get(0);
    NDArray sin = tables.get(1);
    return NDArrays.concat(
        new NDList(x1.mul(cos).sub(x2.mul(sin)), x1.mul(sin).add(x2.mul(cos))), -1);
  }
}
