package org.moma.launcher;

import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * SIGTERM (a scheduler, {@code kill}, the console's stop) and Ctrl-C ask a training run to stop
 * after its step: it writes a checkpoint and ends, resumable. The JVM's own handling would start
 * the shutdown hooks (and remove the framework's cache) while the step is still running. Without
 * a run training, or at a second signal, the process ends as the signal would have ended it.
 */
final class StopSignals {
  private static final AtomicBoolean ASKED = new AtomicBoolean();

  private StopSignals() {}

  /** Routes both signals to {@code cli}'s {@code requestStop(String)}. */
  static void install(Object cli) {
    Method request;
    try {
      request = cli.getClass().getMethod("requestStop", String.class);
    } catch (NoSuchMethodException e) {
      return; // an older runtime: the JVM's handling stays
    }
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> onSignal(signal, cli, request));
    }
  }

  private static void onSignal(Signal signal, Object cli, Method request) {
    int code = 128 + signal.getNumber();
    if (ASKED.getAndSet(true)) {
      System.err.println("moma: SIG" + signal.getName() + " again: stopping now");
      System.exit(code);
    }
    boolean training;
    try {
      training = (Boolean) request.invoke(cli, "SIG" + signal.getName());
    } catch (ReflectiveOperationException | RuntimeException e) {
      training = false;
    }
    if (training) {
      System.err.println("moma: SIG" + signal.getName() + ": stopping after this step, with a checkpoint (again: stop now)");
    } else {
      System.exit(code);
    }
  }
}
