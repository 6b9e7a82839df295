package org.moma.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.List;
import java.util.function.Predicate;
import org.moma.api.nn.Tensors;

/**
 * Global-norm clipping on the device: the norm of the accumulated gradients, and the factor each
 * parameter's gradient is multiplied by before the update ({@code min(1, clip/norm)} divided by the
 * accumulation and loss scale), computed without reading anything into Java. Parameters clipped
 * apart (auxiliary routers trained jointly) have a norm of their own, so that their gradients do not
 * change how far the model's are clipped.
 */
public final class GradientClipping {
  private final List<Parameter> parameters;
  private final boolean[] apart;
  private final long[] group;
  private final double clip;

  public GradientClipping(List<Parameter> parameters, double clip, Predicate<Parameter> clippedApart) {
    this.parameters = List.copyOf(parameters);
    this.clip = clip;
    this.apart = new boolean[parameters.size()];
    this.group = new long[parameters.size()];
    for (int i = 0; i < apart.length; i++) {
      apart[i] = clippedApart.test(parameters.get(i));
      group[i] = apart[i] ? 1 : 0;
    }
  }

  /**
   * The global norms of the accumulated gradients divided by {@code gradScale}, before clipping, as
   * float64 {@code [2]} on the device: the model's parameters', then those clipped apart. One norm
   * per tensor (one pass, no temporary), summed in float64 as the host would.
   */
  public NDArray norms(NDManager scope, double gradScale) {
    NDList[] groups = {new NDList(), new NDList()};
    for (int i = 0; i < parameters.size(); i++) {
      NDArray g = parameters.get(i).getArray().getGradient();
      g.attach(scope);
      NDArray norm = g.norm();
      norm.attach(scope);
      groups[apart[i] ? 1 : 0].add(norm);
    }
    NDList norms = new NDList();
    for (NDList list : groups) {
      norms.add(list.isEmpty()
          ? scope.zeros(new Shape(), DataType.FLOAT64).toDevice(parameters.get(0).getArray().getDevice(), false)
          : NDArrays.stack(list).toType(DataType.FLOAT64, false).square().sum().sqrt());
    }
    NDArray out = NDArrays.stack(norms).div(gradScale);
    out.attach(scope);
    return out;
  }

  /**
   * Float32 {@code [parameters]}: each gradient's factor, {@code min(1, clip/norm)/gradScale} of
   * its group (just {@code 1/gradScale} without clipping).
   */
  public NDArray rescale(NDManager scope, NDArray norms, double gradScale) {
    NDArray clipped = clip > 0 ? norms.onesLike().mul(clip).div(norms.maximum(clip)) : norms.onesLike();
    NDArray perGroup = clipped.div(gradScale).toType(DataType.FLOAT32, false);
    NDArray index = scope.create(group).toDevice(perGroup.getDevice(), false);
    NDArray perParameter = perGroup.get(new NDIndex("{}", index));
    perParameter.attach(scope);
    return perParameter;
  }

  /** A step not taken (an fp16 overflow): every gradient back to zeros, NaN and infinity included. */
  public void clear() {
    for (Parameter p : parameters) {
      Tensors.clearGradient(p.getArray());
    }
  }
}
