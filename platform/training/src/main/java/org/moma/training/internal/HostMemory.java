package org.moma.training.internal;

import ai.djl.ndarray.NDArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** Direct access to a CPU tensor's own float memory, for passes the engine has no fused op for. */
public final class HostMemory {
  private HostMemory() {}

  /** A view (not a copy) of the tensor's floats, or null when the engine can only give a copy (a GPU tensor, say). */
  public static FloatBuffer view(NDArray array) {
    if (array.getDevice().isGpu()) {
      return null;
    }
    ByteBuffer own = org.moma.api.nn.HostReads.view(array); // not counted as a read: nothing is copied
    return own.isDirect() ? own.order(ByteOrder.nativeOrder()).asFloatBuffer() : null;
  }
}
