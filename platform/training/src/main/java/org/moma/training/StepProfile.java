package org.moma.training;

import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;

/**
 * A window of training steps, {@code from..to} (1-based, inclusive), whose libtorch operators are
 * recorded into a Chrome trace ({@code chrome://tracing}, ui.perfetto.dev): each operator's host
 * time, on the CPU its whole cost, on a GPU what launching it costs (kernels run asynchronously).
 * Shapes are recorded, memory is not. The profiler slows the steps it records: a profiled run is
 * for finding where a step goes, not for its tokens/s.
 *
 * @param trace the file written when the window ends (or when the run stops inside it)
 */
public record StepProfile(int from, int to, Path trace) {
  public StepProfile {
    if (from < 1 || to < from) {
      throw new IllegalArgumentException("a profile window needs 1 <= from <= to, got " + from + ".." + to);
    }
  }

  /** How many steps the window holds. */
  public int steps() {
    return to - from + 1;
  }

  /** Whether the profiler is to start before training step {@code step} (1-based). */
  boolean startsAt(int step) {
    return step == from;
  }

  /** Whether the profiler is to stop after training step {@code step} (1-based). */
  boolean endsAt(int step) {
    return step == to;
  }

  /** Starts libtorch's profiler on this thread's operators and those the backward runs. */
  void start() {
    JniUtils.startProfile(false, true, false); // host times: CUDA events would add a sync per operator
  }

  /** Stops the profiler and writes its events to {@link #trace}. */
  void stop() {
    JniUtils.stopProfile(trace.toAbsolutePath().toString());
  }
}
