package org.moma.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Safe constants for differentiable code.
 *
 * <p>DJL's {@code x.mul(2.0)} wraps the number in a tensor whose memory is a Java direct buffer
 * that libtorch does not own; the buffer is freed when that wrapper is garbage collected. Autograd
 * keeps the operand of {@code mul}/{@code div} for the backward pass, so the backward can then read
 * freed memory — we saw sporadic NaN gradients from exactly this. Constants made here are
 * allocated by libtorch and live as long as autograd needs them.
 */
public final class Tensors {
  private Tensors() {}

  /** A 0-d tensor holding {@code value}, of {@code like}'s type and device. */
  public static NDArray scalar(NDArray like, double value) {
    return like.getManager().full(new Shape(), (float) value, like.getDataType()).toDevice(like.getDevice(), false);
  }

  /** {@code x * value}, safe to differentiate. */
  public static NDArray times(NDArray x, double value) {
    return x.mul(scalar(x, value));
  }

  /** SiLU {@code x · sigmoid(x)} (DJL's swish multiplies by a Java number internally). */
  public static NDArray silu(NDArray x) {
    return x.mul(ai.djl.nn.Activation.sigmoid(x));
  }
}
