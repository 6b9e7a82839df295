package org.moma.training;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A request to stop training at the end of the current step, from a signal (SIGTERM, Ctrl-C) or a
 * console button: the loop finishes its step, writes a checkpoint and ends with {@link Stopped}. The
 * run resumes with {@code moma run --resume} exactly as if it had not stopped.
 */
public final class StopRequest {
  private static final AtomicReference<String> REASON = new AtomicReference<>();
  private static final AtomicInteger TRAINING = new AtomicInteger();

  private StopRequest() {}

  /**
   * Asks the training loops of this process to stop after their step.
   *
   * @return whether a loop is training and will stop; when none is, the caller ends the process its own way
   */
  public static boolean request(String reason) {
    if (TRAINING.get() == 0) {
      return false; // nothing to stop: a later run must not inherit the request
    }
    REASON.compareAndSet(null, reason);
    return true;
  }

  /** Why a stop was requested, or null when none was. */
  static String reason() {
    return REASON.get();
  }

  /** Forgets a request (tests that stop a run and then train on in the same process). */
  static void clear() {
    REASON.set(null);
  }

  static void trainingStarts() {
    TRAINING.incrementAndGet();
  }

  static void trainingEnds() {
    TRAINING.decrementAndGet();
  }

  /** A run stopped on request after a step, its checkpoint written: resumable, not failed. */
  public static final class Stopped extends RuntimeException {
    private final int step;
    private final String reason;

    Stopped(String message, int step, String reason) {
      super(message);
      this.step = step;
      this.reason = reason;
    }

    /** What asked for the stop: {@code SIGTERM}, {@code SIGINT}, or another rank's request. */
    public String reason() {
      return reason;
    }

    /** The last step trained and checkpointed. */
    public int step() {
      return step;
    }
  }
}
