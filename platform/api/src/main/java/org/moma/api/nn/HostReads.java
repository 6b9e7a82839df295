package org.moma.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Copies of tensor values into Java ("host reads"), which stall a GPU's queue, and ops whose output
 * shape depends on the data, which stall it too.
 *
 * <p><b>Counting.</b> With {@code MOMA_COUNT_HOST_READS=1} the launcher weaves a call to
 * {@link #recordRead} into DJL's one path from tensor memory to Java and {@link
 * #recordDataDependentShape} into {@code nonzero}, masked selects and {@code unique}, so every read is
 * counted wherever it is made, plugins included. A zero-copy {@linkplain #view view} of a CPU
 * tensor's memory is not a read.
 *
 * <p><b>Reading together.</b> A value the host needs later (a step's losses) can be {@linkplain
 * #defer deferred}: it then travels with the next read that has to happen anyway ({@link #read}),
 * as one copy, or with {@link #flush}.
 */
public final class HostReads {
  private static final AtomicLong COUNT = new AtomicLong();
  private static final ThreadLocal<Boolean> VIEWING = ThreadLocal.withInitial(() -> false);
  private static final ThreadLocal<List<Deferred>> DEFERRED = ThreadLocal.withInitial(ArrayList::new);

  private record Deferred(NDArray values, Consumer<double[]> whenRead) {}

  private HostReads() {}

  /** Whether this process counts reads (the launcher weaves the counters in when it does). */
  public static boolean counting() {
    return "1".equals(System.getenv("MOMA_COUNT_HOST_READS")) || Boolean.getBoolean("moma.countHostReads");
  }

  /** Reads and data-dependent shapes counted so far by this process (0 unless {@link #counting()}). */
  public static long count() {
    return COUNT.get();
  }

  /**
   * Called by the woven DJL code whenever tensor memory is handed to Java: {@code toFloatArray},
   * {@code getFloat}, {@code toByteBuffer} and the rest all pass there once. Not counted: a
   * {@linkplain #view view} of a CPU tensor's own memory.
   */
  public static void recordRead(NDArray array, boolean tryDirect) {
    if (tryDirect && VIEWING.get() && !array.getDevice().isGpu()) {
      return;
    }
    COUNT.incrementAndGet();
  }

  /**
   * The tensor's own memory when it is on the CPU (a direct buffer that copies nothing: not a
   * read), else a copy (a read).
   */
  public static java.nio.ByteBuffer view(NDArray array) {
    VIEWING.set(true);
    try {
      return array.toByteBuffer(true);
    } finally {
      VIEWING.set(false);
    }
  }

  /** Called by the woven DJL code at {@code nonzero}, masked selects and {@code unique}. */
  public static void recordDataDependentShape() {
    COUNT.incrementAndGet();
  }

  /**
   * {@code values} will be read with the next {@link #read} on this thread (or {@link #flush});
   * {@code whenRead} then gets them as doubles, in order. It must be a tensor that outlives the
   * current scope until then (attach it to a longer-lived manager).
   */
  public static void defer(NDArray values, Consumer<double[]> whenRead) {
    DEFERRED.get().add(new Deferred(values, whenRead));
  }

  /** Whether values wait to be read. */
  public static boolean pending() {
    return !DEFERRED.get().isEmpty();
  }

  /** {@code values} as doubles, read in one copy together with everything deferred on this thread. */
  public static double[] read(NDArray values) {
    List<Deferred> batch = new ArrayList<>(DEFERRED.get());
    DEFERRED.get().clear();
    double[] all;
    try (NDScope temporaries = new NDScope()) { // the casts and the joined copy go when read
      NDList parts = new NDList();
      for (Deferred d : batch) {
        parts.add(flat(d.values(), values));
      }
      parts.add(flat(values, values));
      all = Tensors.concat(parts).toDoubleArray();
    }
    int at = 0;
    for (Deferred d : batch) {
      int n = (int) d.values().size();
      d.whenRead().accept(java.util.Arrays.copyOfRange(all, at, at + n));
      at += n;
    }
    return at == 0 ? all : java.util.Arrays.copyOfRange(all, at, all.length);
  }

  /** Reads whatever is deferred on this thread now (nothing when nothing is). */
  public static void flush() {
    List<Deferred> waiting = DEFERRED.get();
    if (waiting.isEmpty()) {
      return;
    }
    Deferred last = waiting.remove(waiting.size() - 1);
    last.whenRead().accept(read(last.values()));
  }

  /** Forgets what is deferred on this thread (a run that failed). */
  public static void discard() {
    DEFERRED.get().clear();
  }

  private static NDArray flat(NDArray values, NDArray like) {
    return values.toType(DataType.FLOAT64, false).reshape(-1).toDevice(like.getDevice(), false);
  }
}
