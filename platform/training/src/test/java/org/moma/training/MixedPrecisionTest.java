package org.moma.training;

import org.moma.runs.Checkpoints;
import org.moma.api.train.StepMetrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.SpecException;
import org.moma.api.spec.ExperimentSpec;
import org.moma.data.synthetic.SyntheticDatasetPlugin;
import org.moma.layer.dense.DenseLayerPlugin;
import org.moma.registry.StaticPlugins;
import org.moma.spec.SpecReader;

/**
 * fp16 mixed precision at tiny sizes on the CPU (fp16 kernels there are ~75× slower than fp32):
 * it learns as fp32 does, an overflowed step is skipped and the scale backs off, and a resumed
 * run continues exactly.
 */
class MixedPrecisionTest {
  @TempDir Path dir;

  private ExperimentSpec spec(String name, int steps, String training) {
    return SpecReader.parse(
        "{\"name\": \"" + name + "\", \"seed\": 7, \"device\": \"cpu\", \"output\": \"" + dir.resolve(name) + "\","
            + "\"data\": {\"name\": \"synthetic\"}, \"model\": {\"dModel\": 32, \"layers\": 2, \"heads\": 2, \"ffnDim\": 64, \"seqLen\": 32},"
            + "\"training\": {\"steps\": " + steps + ", \"batchSize\": 8, \"learningRate\": 0.01, \"warmupSteps\": 5" + training + "}}",
        name);
  }

  private static ExperimentRunner runner() {
    return new ExperimentRunner(TestPlugins.of(new DenseLayerPlugin(), new SyntheticDatasetPlugin()));
  }

  private static double meanLoss(List<StepMetrics> steps, int from, int to) {
    return steps.subList(from, to).stream().mapToDouble(StepMetrics::loss).average().orElseThrow();
  }

  @Test
  void fp16LearnsAsFp32Does() {
    List<StepMetrics> fp32 = new ArrayList<>();
    List<StepMetrics> fp16 = new ArrayList<>();
    runner().run(spec("fp32", 100, ""), fp32::add);
    // a scale that does not overflow at once: the comparison is of precision, not of the early updates an
    // overflow skips (on this tiny model two skipped warm-up steps alone cost fp32 6% at step 100)
    runner().run(spec("fp16", 100, ", \"precision\": \"fp16\", \"lossScale\": 1024"), fp16::add);
    double full = meanLoss(fp32, 90, 100);
    double half = meanLoss(fp16, 90, 100);
    assertTrue(Math.abs(half - full) / full < 0.03, "mean loss of steps 91-100: fp16 " + half + " vs fp32 " + full);
    assertTrue(half < 0.8 * meanLoss(fp16, 0, 10), "fp16 learns: " + meanLoss(fp16, 0, 10) + " -> " + half);
    assertNull(fp32.get(0).lossScale(), "fp32 reports no loss scale");
    assertNull(fp32.get(0).skipped());
    assertEquals(1024.0, fp16.get(0).lossScale());
    assertFalse(fp16.get(99).skipped());
  }

  @Test
  void anOverflowedStepIsSkippedAndTheScaleBacksOff() throws Exception {
    List<StepMetrics> steps = new ArrayList<>();
    // 2^40 overflows fp16's gradients (max 65,504) at once: the scale must halve until it fits
    RunResult run = runner().run(spec("overflow", 30, ", \"precision\": \"fp16\", \"lossScale\": 1099511627776"), steps::add);
    assertTrue(steps.get(0).skipped(), "2^40 overflows");
    int skipped = 0;
    for (int i = 0; i < steps.size(); i++) {
      StepMetrics m = steps.get(i);
      assertEquals(i + 1, m.step(), "a skipped step keeps its number");
      assertTrue(Double.isFinite(m.loss()), "the forward of a skipped step is still reported");
      if (i > 0) {
        double expected = steps.get(i - 1).skipped() ? steps.get(i - 1).lossScale() / 2 : steps.get(i - 1).lossScale();
        assertEquals(expected, m.lossScale(), "step " + m.step() + ": halved after an overflow, else kept");
      }
      skipped += m.skipped() ? 1 : 0;
    }
    assertTrue(skipped >= 10 && skipped < 30, skipped + " steps skipped");
    assertFalse(steps.get(29).skipped(), "the scale came down far enough to train");
    // no update on a skipped step: AdamW counted only the applied ones
    Checkpoints.State state = Checkpoints.readState(Checkpoints.latest(run.directory()));
    assertEquals(30 - skipped, state.optimizerSteps());
    assertEquals(steps.get(29).lossScale(), state.lossScale().scale(), "the scale is checkpointed");
  }

  @Test
  void aResumedFp16RunContinuesExactly() throws Exception {
    String fp16 = ", \"precision\": \"fp16\", \"lossScale\": 16777216, \"checkpointEvery\": 4";
    List<StepMetrics> uninterrupted = new ArrayList<>();
    runner().run(spec("whole", 10, fp16), uninterrupted::add);
    RuntimeException crash = new RuntimeException("killed");
    RuntimeException thrown = assertThrows(RuntimeException.class, () -> runner().run(spec("crash", 10, fp16), m -> {
      if (m.step() == 6) {
        throw crash; // after step 6; the last checkpoint is step 4
      }
    }));
    assertEquals(crash, thrown);
    List<StepMetrics> resumed = new ArrayList<>();
    runner().resume(dir.resolve("crash"), resumed::add);
    assertEquals(5, resumed.get(0).step());
    assertTrue(uninterrupted.stream().anyMatch(StepMetrics::skipped), "2^24 overflows at first: the skips are resumed too");
    for (StepMetrics m : resumed) {
      StepMetrics expected = uninterrupted.get(m.step() - 1);
      assertEquals(expected.loss(), m.loss(), "loss at step " + m.step());
      assertEquals(expected.lossScale(), m.lossScale(), "loss scale at step " + m.step());
      assertEquals(expected.skipped(), m.skipped(), "skipped at step " + m.step());
    }
    assertEquals(10, Files.readAllLines(dir.resolve("crash").resolve("metrics.jsonl")).size());
  }

  @Test
  void bf16IsRefusedWithTheReason() {
    SpecException e = assertThrows(SpecException.class, () -> spec("bf16", 10, ", \"precision\": \"bf16\"").validate());
    assertEquals("training.precision", e.path());
    assertTrue(e.getMessage().contains("bfloat16"), e.getMessage());
  }
}
