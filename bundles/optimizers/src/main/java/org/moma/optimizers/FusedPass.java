package org.moma.optimizers;

import ai.djl.ndarray.NDArray;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import org.moma.api.nn.HostReads;

/**
 * An element-wise update run as one pass over each CPU tensor's own memory, in chunks spread over
 * the process's intra-op threads. Optimizers are bound by memory traffic, and libtorch's ops,
 * each with its temporaries, move several times as many bytes as reading and writing every array
 * once. On a GPU there are no such views: optimizers fall back to libtorch's ops there.
 */
final class FusedPass {
  /** Elements per task: a few hundred kB of each array, so a chunk's arrays stay in cache. */
  static final int CHUNK = 1 << 15;
  private static ForkJoinPool pool;

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

  /** The chunks of an array of {@code n} elements, as tasks of {@code body(start, length)}. */
  static void chunks(int n, java.util.function.BiConsumer<Integer, Integer> body, List<Runnable> tasks) {
    for (int from = 0; from < n; from += CHUNK) {
      int start = from;
      int length = Math.min(CHUNK, n - from);
      tasks.add(() -> body.accept(start, length));
    }
  }

  /** Runs the tasks on as many workers as libtorch has intra-op threads. */
  static synchronized void run(List<Runnable> tasks) {
    if (pool == null) {
      pool = new ForkJoinPool(Math.max(1, Integer.getInteger("ai.djl.pytorch.num_threads", 1)));
    }
    pool.submit(() -> tasks.parallelStream().forEach(Runnable::run)).join();
  }

  /** Each worker's chunks of the arrays it updates: reused, since fresh arrays would mean zeroing as many bytes as the pass moves. */
  static final ThreadLocal<float[][]> WORK = ThreadLocal.withInitial(() -> new float[4][CHUNK]);
}
