package org.moma.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.moma.api.SpecException;
import org.moma.api.spec.ExperimentSpec;
import org.moma.registry.Plugins;
import org.moma.spec.SpecReader;
import org.moma.training.ExperimentRunner;
import org.moma.api.train.StepMetrics;

/**
 * The shell's workbench: a spec being assembled interactively (load, change fields, save) and
 * training runs started from it in the background, which can be watched and stopped.
 */
final class Workbench {
  /** A background run: its spec, thread and latest progress. */
  static final class Run {
    final int id;
    final ExperimentSpec spec;
    volatile String status = "starting";
    volatile StepMetrics last;
    volatile boolean stopRequested;
    Thread thread;

    Run(int id, ExperimentSpec spec) {
      this.id = id;
      this.spec = spec;
    }

    String describe() {
      StepMetrics m = last;
      String progress = m == null ? "" : String.format(Locale.ROOT, "  step %d/%d  loss %.4f (text %.3f, image %.3f)",
          m.step(), m.steps(), m.loss(), m.lossText(), m.lossImage());
      return String.format(Locale.ROOT, "#%d %-14s %s%s  -> %s", id, spec.name(), status, progress, spec.output());
    }
  }

  /** Thrown from the progress callback to end a run at a step boundary. */
  static final class StopRequested extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StopRequested() {
      super("stopped by the user", null, false, false);
    }
  }

  private final Plugins plugins;
  private ObjectNode spec;
  private final Map<Integer, Run> runs = new LinkedHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();

  Workbench(Plugins plugins) {
    this.plugins = plugins;
  }

  /** Loads and validates a spec file; it becomes the spec being edited. */
  synchronized ExperimentSpec load(Path file) throws IOException {
    ExperimentSpec parsed = SpecReader.read(file);
    spec = (ObjectNode) SpecReader.MAPPER.readTree(Files.readString(file));
    return parsed;
  }

  synchronized ExperimentSpec current() {
    if (spec == null) {
      throw new IllegalArgumentException("no spec loaded: use moma:load FILE first");
    }
    return SpecReader.parse(spec.toString(), "workbench spec");
  }

  synchronized String show() {
    return SpecReader.toJson(current());
  }

  /**
   * Sets a field by dotted path ({@code model.ffn.options.experts.image}) to a JSON value (or a
   * string); the result must still be a valid spec, else nothing changes.
   */
  synchronized String set(String path, String value) {
    current();
    ObjectNode copy = spec.deepCopy();
    String[] parts = path.split("\\.");
    ObjectNode node = copy;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = node.get(parts[i]);
      if (child == null || child.isNull()) {
        child = node.putObject(parts[i]);
      } else if (!child.isObject()) {
        throw new SpecException(path, "'" + parts[i] + "' is not an object");
      }
      node = (ObjectNode) child;
    }
    JsonNode parsed;
    try {
      parsed = SpecReader.MAPPER.readTree(value);
    } catch (IOException e) {
      parsed = SpecReader.MAPPER.getNodeFactory().textNode(value);
    }
    node.set(parts[parts.length - 1], parsed);
    String note = "";
    // fewer steps than the warm-up: the warm-up follows, as with --steps, and says so
    JsonNode training = copy.get("training");
    if (path.equals("training.steps") && parsed.canConvertToInt() && training instanceof ObjectNode t
        && t.path("warmupSteps").canConvertToInt() && t.get("warmupSteps").asInt() > parsed.asInt()) {
      t.put("warmupSteps", parsed.asInt());
      note = " (training.warmupSteps lowered to " + parsed.asInt() + ")";
    }
    SpecReader.parse(copy.toString(), "workbench spec"); // refuses an invalid result
    spec = copy;
    return note;
  }

  synchronized void save(Path file) throws IOException {
    Files.writeString(file, show());
  }

  /** Starts training the current spec in the background; returns the run. */
  synchronized Run start() {
    ExperimentSpec experiment = current();
    Run run = new Run(ids.incrementAndGet(), experiment);
    runs.put(run.id, run);
    run.thread = new Thread(() -> {
      run.status = "running";
      try {
        new ExperimentRunner(plugins).run(experiment, m -> {
          run.last = m;
          if (run.stopRequested) {
            throw new StopRequested();
          }
        });
        run.status = "done";
      } catch (StopRequested e) {
        run.status = "stopped";
      } catch (RuntimeException | Error e) {
        run.status = "failed: " + MomaCommandLine.message(e) + plugins.blame(e);
      }
    }, "moma-run-" + run.id);
    run.thread.setDaemon(true);
    run.thread.start();
    return run;
  }

  synchronized List<Run> runs() {
    return new ArrayList<>(runs.values());
  }

  synchronized Run run(int id) {
    Run run = runs.get(id);
    if (run == null) {
      throw new IllegalArgumentException("no run #" + id + " (moma:runs lists them)");
    }
    return run;
  }
}
