package org.moma.training;

import org.moma.runs.Checkpoints;
import org.moma.api.train.StepMetrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.Options;
import org.moma.api.data.DocumentSource;
import org.moma.api.spec.ExperimentSpec;
import org.moma.data.synthetic.SyntheticDatasetPlugin;
import org.moma.layer.dense.DenseLayerPlugin;
import org.moma.data.packing.Batch;
import org.moma.data.packing.SequencePacker;
import org.moma.registry.StaticPlugins;
import org.moma.spec.SpecReader;

/** Short real training runs of the dense baseline on the synthetic corpus. */
class TrainingTest {
  @TempDir Path dir;

  private ExperimentSpec spec(String name, int steps) {
    return spec(name, steps, 0);
  }

  private ExperimentSpec spec(String name, int steps, int checkpointEvery) {
    return SpecReader.parse(
        "{\"name\": \"" + name + "\", \"seed\": 5, \"device\": \"cpu\", \"output\": \"" + dir.resolve(name) + "\","
            + "\"data\": {\"name\": \"synthetic\"}, \"model\": {\"dModel\": 32, \"layers\": 2, \"heads\": 2, \"ffnDim\": 64, \"seqLen\": 32},"
            + "\"training\": {\"steps\": " + steps + ", \"batchSize\": 8, \"learningRate\": 0.01, \"warmupSteps\": 5,"
            + " \"checkpointEvery\": " + checkpointEvery + "}}",
        name);
  }

  private static ExperimentRunner runner() {
    return new ExperimentRunner(TestPlugins.of(new DenseLayerPlugin(), new SyntheticDatasetPlugin()));
  }

  @Test
  void lossFallsWellBelowTheUnigramEntropyOfTheData() throws Exception {
    List<StepMetrics> steps = new ArrayList<>();
    RunResult result = runner().run(spec("learn", 120), steps::add);
    double entropy = unigramEntropy();
    double lastTen = steps.subList(110, 120).stream().mapToDouble(StepMetrics::loss).average().orElseThrow();
    assertTrue(lastTen < 0.75 * entropy, "loss " + lastTen + " vs unigram entropy " + entropy);
    assertTrue(steps.get(119).lossText() < steps.get(0).lossText());
    assertTrue(steps.get(119).lossImage() < steps.get(0).lossImage());
    assertEquals(120, Files.readAllLines(result.directory().resolve("metrics.jsonl")).size());
  }

  @Test
  void sameSeedGivesTheSameLossCurve() {
    List<StepMetrics> a = new ArrayList<>();
    List<StepMetrics> b = new ArrayList<>();
    runner().run(spec("a", 8), a::add);
    runner().run(spec("b", 8), b::add);
    for (int i = 0; i < 8; i++) {
      assertEquals(a.get(i).loss(), b.get(i).loss(), 1e-4, "step " + (i + 1));
    }
  }

  @Test
  void resumedRunContinuesTheUninterruptedLossCurve() throws Exception {
    List<StepMetrics> uninterrupted = new ArrayList<>();
    runner().run(spec("whole", 10, 4), uninterrupted::add);

    ExperimentSpec crashing = spec("crash", 10, 4);
    RuntimeException crash = new RuntimeException("killed");
    try {
      runner().run(crashing, m -> {
        if (m.step() == 6) {
          throw crash; // dies after step 6; the last checkpoint is step 4
        }
      });
    } catch (RuntimeException e) {
      assertEquals(crash, e);
    }
    Path run = dir.resolve("crash");
    assertEquals("step-000004", Files.readString(Checkpoints.directory(run).resolve("latest")));
    List<StepMetrics> resumed = new ArrayList<>();
    runner().resume(run, resumed::add);
    assertEquals(5, resumed.get(0).step());
    for (StepMetrics m : resumed) {
      StepMetrics expected = uninterrupted.get(m.step() - 1);
      assertEquals(expected.loss(), m.loss(), 1e-4, "loss at step " + m.step());
      assertEquals(expected.cumulativeFlops(), m.cumulativeFlops(), 1e-6 * expected.cumulativeFlops());
    }
    List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
    assertEquals(10, lines.size(), "metrics hold each step once");
  }

  @Test
  void aStopAskedForEndsTheStepWithACheckpointAndResumesAsIfUninterrupted() throws Exception {
    List<StepMetrics> uninterrupted = new ArrayList<>();
    runner().run(spec("whole", 12, 100), uninterrupted::add);
    assertTrue(!StopRequest.request("before any run"), "no loop was training to take it");
    StopRequest.clear();
    List<StepMetrics> first = new ArrayList<>();
    StopRequest.Stopped stopped;
    try {
      stopped = org.junit.jupiter.api.Assertions.assertThrows(StopRequest.Stopped.class, () -> runner().run(spec("stopped", 12, 100), m -> {
        first.add(m);
        if (m.step() == 3) {
          assertTrue(StopRequest.request("SIGTERM"), "a loop is training");
        }
      }));
    } finally {
      StopRequest.clear();
    }
    int at = stopped.step();
    assertTrue(at >= 3 && at < 12, "stopped after step " + at);
    assertTrue(stopped.getMessage().contains("SIGTERM") && stopped.getMessage().contains("moma run --resume"), stopped.getMessage());
    Path run = dir.resolve("stopped");
    assertEquals(at, Files.readAllLines(run.resolve("metrics.jsonl")).size(), "every trained step logged, none after");
    assertTrue(Files.isDirectory(run.resolve("checkpoints").resolve(String.format("step-%06d", at))),
        "the stop wrote a checkpoint though checkpointEvery is 100");
    org.moma.runs.RunStatus status = org.moma.runs.RunStatus.read(run);
    assertEquals("stopped", status.state());
    assertEquals("SIGTERM", status.reason());
    assertEquals(at, status.step());
    List<StepMetrics> rest = new ArrayList<>();
    runner().resume(run, rest::add);
    assertEquals("finished", org.moma.runs.RunStatus.read(run).state(), "the resume cleared the stop's word");
    assertEquals(12 - at, rest.size());
    for (int i = 0; i < 12; i++) {
      double loss = i < at ? first.get(i).loss() : rest.get(i - at).loss();
      assertEquals(uninterrupted.get(i).loss(), loss, "step " + (i + 1) + " (stopped after " + at + ")");
    }
  }

  @Test
  void aVocabularySmallerThanTheTokenizersIsNamed() {
    ExperimentSpec small = SpecReader.parse(SpecReader.toJson(spec("small", 6)).replace("\"vocabSize\" : 0", "\"vocabSize\" : 10"), "s");
    org.moma.api.SpecException e =
        org.junit.jupiter.api.Assertions.assertThrows(org.moma.api.SpecException.class, () -> runner().run(small, m -> {}));
    assertEquals("model.vocabSize", e.path());
    assertTrue(e.getMessage().contains("smaller than the data's vocabulary"), e.getMessage());
  }

  /** Entropy (nats) of the empirical token distribution of the training stream. */
  private static double unigramEntropy() {
    SyntheticDatasetPlugin plugin = new SyntheticDatasetPlugin();
    DocumentSource source = plugin.open("train", 5, Options.defaults(plugin.options()));
    Batch batch = new SequencePacker(source, 32).next(2000);
    Map<Integer, Integer> counts = new HashMap<>();
    for (int token : batch.tokens()) {
      counts.merge(token, 1, Integer::sum);
    }
    double n = batch.tokens().length;
    double h = 0;
    for (int c : counts.values()) {
      h -= c / n * Math.log(c / n);
    }
    return h;
  }
}
