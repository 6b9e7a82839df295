package org.moma.optimizers;

import ai.djl.ndarray.NDArray;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.moma.api.nn.HostReads;

/** Views of CPU tensors' own memory, for the fused optimizer passes (none on a GPU). */
final class FusedPass {
  private FusedPass() {}

  /** Views of the arrays' own float memory, or null when any is not a CPU tensor the engine exposes. */
  static FloatBuffer[] views(NDArray... arrays) {
    FloatBuffer[] views = new FloatBuffer[arrays.length];
    for (int i = 0; i < arrays.length; i++) {
      if (arrays[i].getDevice().isGpu()) {
        return null;
      }
      java.nio.ByteBuffer own = HostReads.view(arrays[i]); // not a read: nothing is copied
      if (!own.isDirect()) {
        return null;
      }
      views[i] = own.order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
    return views;
  }

}
