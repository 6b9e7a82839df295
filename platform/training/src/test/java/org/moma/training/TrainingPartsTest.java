package org.moma.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.spec.ExperimentSpec;
import org.moma.api.train.MetricsSink;
import org.moma.api.train.MetricsSinkPlugin;
import org.moma.api.train.RunStart;
import org.moma.api.train.SinkContext;
import org.moma.api.train.StepMetrics;
import org.moma.data.synthetic.SyntheticDatasetPlugin;
import org.moma.layer.dense.DenseLayerPlugin;
import org.moma.losses.LossTermPlugins;
import org.moma.runs.Checkpoints;
import org.moma.sinks.ConsoleSink;
import org.moma.sinks.CsvSink;
import org.moma.spec.SpecReader;

/**
 * The training loop's parts chosen by name: another optimizer and schedule train and resume
 * exactly; sinks get every step, and a failing one is reported and dropped while training goes on;
 * loss terms add to the objective, one knob per weight.
 */
class TrainingPartsTest {
  @TempDir Path dir;

  /** A sink that fails at its third step. */
  static final class Boom implements MetricsSinkPlugin {
    @Override
    public String name() {
      return "boom";
    }

    @Override
    public String description() {
      return "fails at step 3";
    }

    @Override
    public List<OptionSpec> options() {
      return List.of();
    }

    @Override
    public MetricsSink create(SinkContext context, Options options) {
      return new MetricsSink() {
        @Override
        public void start(RunStart run) {}

        @Override
        public void step(StepMetrics m) {
          if (m.step() == 3) {
            throw new IllegalStateException("the tracking server went away");
          }
        }

        @Override
        public void end(StepMetrics last, Throwable failure) {}
      };
    }
  }

  private ExperimentSpec spec(String name, int steps, String training) {
    return SpecReader.parse(
        "{\"name\": \"" + name + "\", \"seed\": 5, \"device\": \"cpu\", \"output\": \"" + dir.resolve(name) + "\","
            + "\"data\": {\"name\": \"synthetic\"}, \"model\": {\"dModel\": 32, \"layers\": 2, \"heads\": 2, \"ffnDim\": 64, \"seqLen\": 32},"
            + "\"training\": {\"steps\": " + steps + ", \"batchSize\": 8, \"learningRate\": 0.003, \"warmupSteps\": 2" + training + "}}",
        name);
  }

  private static ExperimentRunner runner(PrintWriter console) {
    return new ExperimentRunner(TestPlugins.of(new DenseLayerPlugin(), new SyntheticDatasetPlugin(), new ConsoleSink(), new CsvSink(),
        new Boom(), new LossTermPlugins.ZLoss(), new LossTermPlugins.LoadBalance()), org.moma.api.dist.Collectives.SINGLE, console);
  }

  @Test
  void lionWithACosineScheduleLearnsAndResumesExactly() throws Exception {
    String parts = ", \"optimizer\": {\"name\": \"lion\"}, \"schedule\": {\"name\": \"cosine\"}, \"checkpointEvery\": 4";
    List<StepMetrics> whole = new ArrayList<>();
    runner(null).run(spec("whole", 12, parts), whole::add);
    assertTrue(whole.get(11).loss() < whole.get(0).loss(), "lion learns: " + whole.get(0).loss() + " -> " + whole.get(11).loss());
    assertEquals(0.003 * 0.5, whole.get(0).learningRate(), 1e-12, "warm-up");
    assertTrue(whole.get(11).learningRate() < whole.get(6).learningRate(), "cosine decay");
    RuntimeException crash = new RuntimeException("killed");
    assertThrows(RuntimeException.class, () -> runner(null).run(spec("crash", 12, parts), m -> {
      if (m.step() == 6) {
        throw crash;
      }
    }));
    assertEquals("lion", Checkpoints.readState(Checkpoints.latest(dir.resolve("crash"))).optimizerName());
    List<StepMetrics> resumed = new ArrayList<>();
    runner(null).resume(dir.resolve("crash"), resumed::add);
    for (StepMetrics m : resumed) {
      assertEquals(whole.get(m.step() - 1).loss(), m.loss(), "step " + m.step() + ": the optimizer's state was restored");
    }
    // the spec's optimizer must be the checkpoint's
    Path spec = dir.resolve("crash/spec.json");
    Files.writeString(spec, Files.readString(spec).replace("\"lion\"", "\"sgd\""));
    SpecException e = assertThrows(SpecException.class, () -> runner(null).resume(dir.resolve("crash"), m -> { }));
    assertTrue(e.getMessage().contains("'lion'") && e.getMessage().contains("'sgd'"), e.getMessage());
  }

  @Test
  void sinksGetEveryStepAndAFailingOneIsDroppedWhileTrainingGoesOn() throws Exception {
    StringWriter out = new StringWriter();
    PrintWriter console = new PrintWriter(out, true);
    List<StepMetrics> steps = new ArrayList<>();
    runner(console).run(spec("sinks", 8, ", \"sinks\": [{\"name\": \"boom\"}, {\"name\": \"csv\"}, {\"name\": \"console\", \"options\": {\"lines\": 8}}]"),
        steps::add);
    assertEquals(8, steps.size(), "training went on");
    List<String> rows = Files.readAllLines(dir.resolve("sinks/metrics.csv"));
    assertEquals(CsvSink.HEADER, rows.get(0));
    assertEquals(9, rows.size(), "a header and one row per step");
    assertTrue(rows.get(8).startsWith("8," + steps.get(7).loss() + ","), rows.get(8));
    String printed = out.toString();
    assertTrue(printed.contains("warning: metrics sink 'boom' failed at step 3 (the tracking server went away)"), printed);
    assertEquals(1, printed.split("sink 'boom' failed", -1).length - 1, "reported once");
    assertTrue(printed.contains("step    8/8"), "the console sink printed: " + printed);
    // without sinks in the spec: the console, when the command has one
    StringWriter defaults = new StringWriter();
    runner(new PrintWriter(defaults, true)).run(spec("plain", 3, ""), m -> { });
    assertTrue(defaults.toString().contains("step    3/3"), defaults.toString());
  }

  @Test
  void aResumedCsvSinkRebuildsItsRowsUpToTheCheckpointFromTheRunsRecord() throws Exception {
    String parts = ", \"sinks\": [{\"name\": \"csv\"}], \"checkpointEvery\": 4";
    runner(null).run(spec("whole", 10, parts), m -> { });
    List<String> whole = Files.readAllLines(dir.resolve("whole/metrics.csv"));
    assertThrows(RuntimeException.class, () -> runner(null).run(spec("cut", 10, parts), m -> {
      if (m.step() == 6) {
        throw new RuntimeException("killed");
      }
    }));
    org.moma.runs.RunStatus failed = org.moma.runs.RunStatus.read(dir.resolve("cut"));
    assertEquals("failed", failed.state());
    assertEquals("killed", failed.reason(), "the error's message");
    assertEquals(Files.readAllLines(dir.resolve("cut/metrics.jsonl")).size(), failed.step(), "the last step logged");
    assertTrue(failed.step() >= 5, "it failed at step 6: " + failed.step());
    // as if killed between the step-4 checkpoint and its row: the file stops at step 3
    Path csv = dir.resolve("cut/metrics.csv");
    Files.write(csv, Files.readAllLines(csv).subList(0, 4));
    runner(null).resume(dir.resolve("cut"), m -> { });
    List<String> rows = Files.readAllLines(csv);
    assertEquals(11, rows.size(), "a header and steps 1..10 once each: " + rows);
    for (int i = 1; i <= 10; i++) {
      String[] got = rows.get(i).split(",");
      String[] want = whole.get(i).split(",");
      assertEquals(want[0] + "," + want[1], got[0] + "," + got[1], "step and loss of row " + i);
    }
  }

  @Test
  void aZLossTermWeightsTheObjectiveAndTwoKnobsForOneWeightAreRefused() {
    List<StepMetrics> none = new ArrayList<>();
    List<StepMetrics> term = new ArrayList<>();
    List<StepMetrics> field = new ArrayList<>();
    runner(null).run(spec("none", 3, ""), none::add);
    runner(null).run(spec("term", 3, ", \"loss\": [{\"name\": \"z-loss\", \"options\": {\"weight\": 0.01}}]"), term::add);
    ExperimentSpec viaModel = SpecReader.parse(SpecReader.toJson(spec("field", 3, "")).replace("\"zLoss\" : 0.0", "\"zLoss\" : 0.01"), "f");
    assertEquals(0.01, viaModel.model().zLoss());
    runner(null).run(viaModel, field::add);
    assertEquals(none.get(0).loss(), term.get(0).loss(), "the term adds to the objective, not to the reported cross-entropy");
    assertTrue(term.get(0).gradNorm() != none.get(0).gradNorm(), "the term changes the gradients");
    for (int i = 0; i < 3; i++) {
      assertEquals(field.get(i).loss(), term.get(i).loss(), 1e-6, "model.zLoss and the z-loss term mean the same, step " + (i + 1));
    }
    ExperimentSpec both = SpecReader.parse(SpecReader.toJson(spec("both", 3, ", \"loss\": [{\"name\": \"z-loss\"}]"))
        .replace("\"zLoss\" : 0.0", "\"zLoss\" : 0.01"), "b");
    SpecException e = assertThrows(SpecException.class, () -> runner(null).run(both, m -> { }));
    assertEquals("training.loss[0].name", e.path());
    assertTrue(e.getMessage().contains("model.zLoss"), e.getMessage());
    SpecException unknown = assertThrows(SpecException.class, () -> runner(null).run(spec("u", 3, ", \"optimizer\": {\"name\": \"adam9\"}"), m -> { }));
    assertEquals("training.optimizer.name", unknown.path());
    assertTrue(unknown.getMessage().contains("adamw") && unknown.getMessage().contains("lion"), unknown.getMessage());
  }
}
