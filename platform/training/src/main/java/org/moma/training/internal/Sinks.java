package org.moma.training.internal;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.moma.api.train.MetricsSink;
import org.moma.api.train.RunStart;
import org.moma.api.train.StepMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run's metrics sinks, each called in turn. A sink that throws is reported once (on the console
 * and in the log) and dropped: training goes on, and {@code metrics.jsonl} holds everything.
 */
public final class Sinks {
  private static final Logger LOG = LoggerFactory.getLogger(Sinks.class);

  /** A sink with the name the spec gave it. */
  public record Named(String name, MetricsSink sink) {}

  private final List<Named> live;
  private final PrintWriter console;

  public Sinks(List<Named> sinks, PrintWriter console) {
    this.live = new ArrayList<>(sinks);
    this.console = console;
  }

  public void start(RunStart run) {
    call("at the start", s -> s.start(run));
  }

  public void step(StepMetrics m) {
    call("at step " + m.step(), s -> s.step(m));
  }

  public void end(StepMetrics last, Throwable failure) {
    call("at the end", s -> s.end(last, failure));
  }

  private interface Call {
    void on(MetricsSink sink) throws Exception;
  }

  private void call(String when, Call call) {
    for (Named named : List.copyOf(live)) {
      try {
        call.on(named.sink());
      } catch (Exception | LinkageError e) {
        live.remove(named);
        String line = String.format(Locale.ROOT, "warning: metrics sink '%s' failed %s (%s); it is dropped, training goes on",
            named.name(), when, e.getMessage() != null ? e.getMessage() : e.toString());
        LOG.warn(line, e);
        if (console != null) {
          console.println(line);
          console.flush();
        }
      }
    }
  }
}
