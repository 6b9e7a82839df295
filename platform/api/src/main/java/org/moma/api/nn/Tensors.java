package org.moma.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

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

  /**
   * {@code y [n, d]} with {@code y[index[j]] += rows[j]}: how experts' outputs are combined. On
   * the PyTorch engine it is one product of a sparse one-hot {@code [n, m]} matrix with the rows —
   * differentiable, deterministic with several threads, and about 6× faster on CPU than writing
   * the rows into a zero buffer by index and summing; elsewhere, that index-put.
   *
   * @param rows {@code [m, d]}
   * @param index {@code [m]} integer row of {@code y} for each row
   */
  public static NDArray sumRowsInto(NDArray rows, NDArray index, long n) {
    NDManager manager = rows.getManager();
    long m = index.size();
    NDArray targets = index.reshape(-1).toType(DataType.INT64, false);
    if (rows instanceof PtNDArray dense) {
      // CUDA has no half-precision sparse product (addmm_sparse_cuda): fp16 rows are combined in fp32
      boolean widen = rows.getDevice().isGpu() && rows.getDataType() == DataType.FLOAT16;
      PtNDArray values = widen ? (PtNDArray) dense.toType(DataType.FLOAT32, false) : dense;
      NDArray columns = manager.arange(0f, (float) m, 1f, DataType.INT64).toDevice(rows.getDevice(), false);
      NDArray coordinates = NDArrays.stack(new NDList(targets, columns));
      NDArray ones = manager.ones(new Shape(m), values.getDataType()).toDevice(rows.getDevice(), false);
      PtNDArray oneHot = JniUtils.createSparseCoo((PtNDArray) coordinates, (PtNDArray) ones, new Shape(n, m));
      NDArray combined = JniUtils.matmul(oneHot, values);
      return widen ? combined.toType(DataType.FLOAT16, false) : combined;
    }
    NDArray y = manager.zeros(new Shape(n, rows.getShape().get(1)), rows.getDataType()).toDevice(rows.getDevice(), false);
    y.set(new NDIndex("{}", targets), rows); // correct for distinct targets only: the engine has no scatter-add
    return y;
  }

  /**
   * The rows of {@code x [n, d]} at {@code index} (any shape, repeats allowed), as {@code [m, d]},
   * with a backward that adds the gradients of a repeated row in the same order every time. On CPU
   * that is {@code gather} with an expanded index: its backward is a scatter-add that one thread
   * runs over a whole row, whereas advanced indexing ({@code x.get(NDIndex)}) adds through an
   * {@code index_put} with atomics once it passes libtorch's grain size (32,768 elements) on two or
   * more threads, so the same seed gave different losses. On CUDA the two swap roles: there
   * {@code index_put} accumulates by sorting and {@code gather}'s scatter-add uses atomics.
   */
  public static NDArray rows(NDArray x, NDArray index) {
    NDArray flat = index.reshape(-1);
    if (x.getDevice().isGpu()) {
      return x.get(new NDIndex("{}", flat));
    }
    long d = x.getShape().get(1);
    return x.gather(flat.reshape(-1, 1).broadcast(new Shape(flat.size(), d)), 0);
  }

  /**
   * {@code x} as {@code type}, differentiable: DJL's {@code toType} runs without autograd, so the
   * cast here is a copy into a new tensor of that type (libtorch's {@code copy_}, whose backward
   * casts the gradient back). Mixed precision changes types inside the graph with it.
   */
  public static NDArray cast(NDArray x, DataType type) {
    if (x.getDataType() == type) {
      return x;
    }
    NDArray out = x.getManager().zeros(x.getShape(), type).toDevice(x.getDevice(), false);
    out.set(new NDIndex("..."), x);
    return out;
  }

  /**
   * {@code x} in fp32 when it is fp16, else {@code x} itself (differentiable): for the reductions
   * and normalisations that fp16 cannot hold (sums of squares, softmax over masked scores, losses).
   */
  public static NDArray widen(NDArray x) {
    return x.getDataType() == DataType.FLOAT16 ? cast(x, DataType.FLOAT32) : x;
  }

  /** Sets the gradient of a parameter to zeros, NaN and infinity included (multiplying by 0 keeps a NaN). */
  public static void clearGradient(NDArray parameter) {
    if (parameter instanceof PtNDArray own) {
      JniUtils.zeroGrad(own);
    } else {
      NDArray g = parameter.getGradient();
      g.set(g.zerosLike().toByteBuffer());
    }
  }

  /**
   * The arrays joined along the first axis. Not {@code NDArrays.concat} for a single array: DJL
   * then returns a copy that has lost its autograd history, and the gradient stops there.
   */
  public static NDArray concat(NDList arrays) {
    return arrays.size() == 1 ? arrays.head() : NDArrays.concat(arrays);
  }

  /**
   * Boolean decisions with each one flipped at random with probability {@code share} (the router
   * noise of paper §4.6); the decisions themselves when {@code share} is 0.
   */
  public static NDArray flip(NDArray decisions, double share) {
    if (share <= 0) {
      return decisions;
    }
    NDArray draw = decisions.getManager().randomUniform(0f, 1f, decisions.getShape()).toDevice(decisions.getDevice(), false);
    return decisions.logicalXor(draw.lt((float) share));
  }

  /** SiLU {@code x · sigmoid(x)} (DJL's swish multiplies by a Java number internally). */
  public static NDArray silu(NDArray x) {
    return x.mul(ai.djl.nn.Activation.sigmoid(x));
  }
}
