package org.moma.training.internal;


import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import org.moma.api.dist.Collectives;

/**
 * The parameters' side of data parallelism: one flat direct buffer holding every gradient (or
 * parameter), summed or broadcast over the ranks in one call that the collectives split into
 * buckets. Gradients go through host memory, also on a GPU.
 */
public final class DataParallel {
  private final Collectives world;
  private final List<Parameter> parameters;
  private final ByteBuffer bytes;
  private final FloatBuffer flat;

  public DataParallel(Collectives world, List<Parameter> parameters) {
    this.world = world;
    this.parameters = List.copyOf(parameters);
    long total = 0;
    for (Parameter p : parameters) {
      total += p.getArray().size();
    }
    this.bytes = world.isSingle() ? null : ByteBuffer.allocateDirect(Math.toIntExact(4 * total)).order(ByteOrder.nativeOrder());
    this.flat = bytes == null ? null : bytes.asFloatBuffer();
  }

  /**
   * Replaces every gradient by its sum over the ranks. On the CPU each gradient is reduced in place
   * in the tensor's own memory (no copy); on a GPU the gradients go through host memory in one
   * flat buffer.
   */
  public void sumGradients() {
    if (flat == null) {
      return;
    }
    if (!parameters.get(0).getArray().getDevice().isGpu()) {
      try (NDManager scope = parameters.get(0).getArray().getManager().newSubManager()) {
        for (Parameter p : parameters) {
          NDArray g = p.getArray().getGradient();
          g.attach(scope);
          FloatBuffer own = HostMemory.view(g); // the gradient's memory, not a copy
          if (own == null) {
            throw new IllegalStateException("the engine gave a copy of gradient " + p.getName() + ", not its memory");
          }
          world.allreduceSum(own);
        }
      }
      return;
    }
    try (NDManager scope = parameters.get(0).getArray().getManager().newSubManager()) {
      flat.clear();
      for (Parameter p : parameters) {
        NDArray g = p.getArray().getGradient();
        g.attach(scope);
        flat.put(g.toFloatArray());
      }
      world.allreduceSum(flat);
      flat.rewind();
      for (Parameter p : parameters) {
        NDArray g = p.getArray().getGradient();
        g.attach(scope);
        float[] summed = new float[Math.toIntExact(g.size())];
        flat.get(summed);
        copyInto(g, scope.create(summed, g.getShape()));
      }
    }
  }

  /**
   * Copies {@code values} into {@code target}'s own memory. Not {@code NDArray.set(float[])}: on the
   * PyTorch engine that points the tensor at a Java buffer kept alive only by the wrapper object, so
   * a gradient or parameter would outlive its memory.
   */
  private static void copyInto(NDArray target, NDArray values) {
    // in-place arithmetic rather than an index-put, which has libtorch print a deprecation warning;
    // a non-finite entry stays non-finite, and the optimizer refuses that step either way
    target.muli(0).addi(values);
  }

  /** Gives every rank rank 0's parameters, so that all start from the same point. */
  public void broadcastParameters() {
    if (flat == null) {
      return;
    }
    flat.clear();
    for (Parameter p : parameters) {
      flat.put(p.getArray().toFloatArray());
    }
    world.broadcast(bytes, 0);
    flat.rewind();
    try (NDManager scope = parameters.get(0).getArray().getManager().newSubManager()) {
      for (Parameter p : parameters) {
        float[] values = new float[Math.toIntExact(p.getArray().size())];
        flat.get(values);
        // through a detached view, as AdamW updates: a leaf that requires gradients refuses in-place writes
        NDArray view = p.getArray().stopGradient();
        view.attach(scope);
        copyInto(view, scope.create(values, view.getShape()));
      }
    }
  }
}
