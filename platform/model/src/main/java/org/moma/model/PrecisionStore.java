package org.moma.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.IdentityHashMap;
import java.util.Map;
import org.moma.api.nn.Tensors;

/**
 * Hands blocks their parameters at the compute precision: with fp32 it is a plain {@link
 * ParameterStore}; with fp16 it is mixed precision with fp32 master weights. Each step every fp32
 * master is cast once to an fp16 copy that the blocks compute with; the cast is differentiable
 * ({@link Tensors#cast}), so the gradients arrive on the masters in fp32, where clipping and AdamW
 * (with fp32 moments) take them.
 */
public final class PrecisionStore extends ParameterStore {
  private final DataType compute;
  private final Map<Parameter, NDArray> casts = new IdentityHashMap<>();
  private NDManager scope;

  public PrecisionStore(NDManager manager, DataType compute) {
    super(manager, false);
    if (compute != DataType.FLOAT32 && compute != DataType.FLOAT16) {
      throw new IllegalArgumentException("compute precision " + compute + ": fp32 or fp16");
    }
    this.compute = compute;
  }

  /** The store for a spec's {@code training.precision}. */
  public static PrecisionStore of(NDManager manager, org.moma.api.spec.TrainingSpec training) {
    return new PrecisionStore(manager, training.halfPrecision() ? DataType.FLOAT16 : DataType.FLOAT32);
  }

  public boolean half() {
    return compute == DataType.FLOAT16;
  }

  /**
   * Starts a forward whose copies belong to {@code stepScope} (closed after its backward), so they
   * are made again from the updated masters. Without one ({@code null}) the copies live as long as
   * the store: right for frozen weights (evaluation, generation).
   */
  public void beginStep(NDManager stepScope) {
    casts.clear();
    scope = stepScope;
  }

  @Override
  public NDArray getValue(Parameter parameter, Device device, boolean training) {
    NDArray master = super.getValue(parameter, device, training); // null for an absent optional parameter (a bias)
    if (master == null || compute == DataType.FLOAT32 || master.getDataType() != DataType.FLOAT32) {
      return master;
    }
    return casts.computeIfAbsent(parameter, p -> {
      NDArray copy = Tensors.cast(master, compute);
      copy.attach(scope != null ? scope : getManager()); // not the parameter's manager, which lives for the run
      return copy;
    });
  }
}
