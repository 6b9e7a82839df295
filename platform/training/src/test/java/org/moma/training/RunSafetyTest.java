package org.moma.training;

import org.moma.runs.Checkpoints;
import org.moma.runs.RunFolder;
import org.moma.api.train.StepMetrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.SpecException;
import org.moma.api.model.ModelDims;
import org.moma.api.spec.ExperimentSpec;
import org.moma.data.synthetic.SyntheticDatasetPlugin;
import org.moma.layer.dense.DenseLayerPlugin;
import org.moma.registry.StaticPlugins;
import org.moma.spec.SpecReader;

/** Run folders are taken by one writer, never overwritten; checkpoints are verified; what cannot fit is refused. */
class RunSafetyTest {
  @TempDir Path dir;

  private ExperimentSpec spec(String name, int steps, int checkpointEvery) {
    return SpecReader.parse(
        "{\"name\": \"" + name + "\", \"seed\": 5, \"device\": \"cpu\", \"output\": \"" + dir.resolve(name) + "\","
            + "\"data\": {\"name\": \"synthetic\"}, \"model\": {\"dModel\": 16, \"layers\": 1, \"heads\": 2, \"ffnDim\": 32, \"seqLen\": 16},"
            + "\"training\": {\"steps\": " + steps + ", \"batchSize\": 4, \"learningRate\": 0.01, \"warmupSteps\": 2,"
            + " \"checkpointEvery\": " + checkpointEvery + "}}",
        name);
  }

  private static ExperimentRunner runner() {
    return new ExperimentRunner(TestPlugins.of(new DenseLayerPlugin(), new SyntheticDatasetPlugin()));
  }

  @Test
  void aSecondRunIntoAFolderThatHoldsARunIsRefusedAndChangesNothing() throws Exception {
    runner().run(spec("r", 4, 2), m -> { });
    Path run = dir.resolve("r");
    String metrics = Files.readString(run.resolve("metrics.jsonl"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> runner().run(spec("r", 2, 2), m -> { }));
    assertTrue(e.getMessage().contains("already holds a run: continue it with 'moma run --resume"), e.getMessage());
    assertEquals(metrics, Files.readString(run.resolve("metrics.jsonl")));
    assertEquals(dir.resolve("r-2"), RunFolder.nextFree(run));
  }

  @Test
  void aHeldRunFolderIsRefusedToASecondWriterAndFreedOnClose() throws Exception {
    Path run = dir.resolve("held");
    try (RunFolder held = RunFolder.create(run)) {
      Files.writeString(run.resolve("spec.json"), "{}");
      IllegalArgumentException busy = assertThrows(IllegalArgumentException.class, () -> RunFolder.open(run));
      assertTrue(busy.getMessage().contains("is in use by another moma process (pid " + ProcessHandle.current().pid()), busy.getMessage());
    }
    RunFolder.open(run).close();
    IllegalArgumentException notARun = assertThrows(IllegalArgumentException.class, () -> RunFolder.open(dir));
    assertTrue(notARun.getMessage().contains("is not a run folder"), notARun.getMessage());
  }

  @Test
  void checkpointsCarryAManifestThatCatchesTruncationAndBitFlips() throws Exception {
    runner().run(spec("c", 6, 3), m -> { });
    Path run = dir.resolve("c");
    Path newest = Checkpoints.directory(run).resolve("step-000006");
    assertNull(Checkpoints.damage(newest));
    assertTrue(Files.isRegularFile(newest.resolve("manifest.json")));

    byte[] params = Files.readAllBytes(newest.resolve("model.params"));
    params[params.length / 2] ^= 1;
    Files.write(newest.resolve("model.params"), params);
    assertEquals("model.params fails its checksum", Checkpoints.damage(newest));
    Files.write(newest.resolve("model.params"), java.util.Arrays.copyOf(params, 100));
    assertTrue(Checkpoints.damage(newest).startsWith("model.params has 100 bytes"), Checkpoints.damage(newest));
    Files.writeString(newest.resolve("manifest.json"), "{\"files\": ");
    assertEquals("manifest.json is unreadable", Checkpoints.damage(newest));

    // the newest is damaged: the older one is used
    assertEquals(Checkpoints.directory(run).resolve("step-000003"), Checkpoints.resumable(run).checkpoint());
    Files.delete(Checkpoints.directory(run).resolve("step-000003/optimizer.bin"));
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> Checkpoints.resumable(run));
    assertTrue(none.getMessage().contains("step-000006 is damaged (manifest.json is unreadable) and no older intact checkpoint"),
        none.getMessage());
  }

  @Test
  void resumeFallsBackPastADamagedCheckpointToTheSameLossesAndRemovesStaleTemporaries() throws Exception {
    List<StepMetrics> whole = new ArrayList<>();
    runner().run(spec("w", 6, 3), whole::add);
    Path run = dir.resolve("w");
    // damage the newest (step 6), and leave what a writer killed mid-checkpoint would leave
    Files.writeString(Checkpoints.directory(run).resolve("step-000006/state.json"), "{\"step\": 6,");
    Path stale = Files.createDirectories(Checkpoints.directory(run).resolve("step-000007.tmp-123"));
    Files.writeString(stale.resolve("model.params"), "partial");
    List<StepMetrics> resumed = new ArrayList<>();
    runner().resume(run, resumed::add);
    assertEquals(4, resumed.get(0).step(), "from step-000003, past the damaged step-000006");
    for (StepMetrics m : resumed) {
      assertEquals(whole.get(m.step() - 1).loss(), m.loss(), 1e-4, "step " + m.step());
    }
    assertTrue(Files.notExists(stale), "stale temporary checkpoint removed");
    assertEquals(6, Files.readAllLines(run.resolve("metrics.jsonl")).size());
    assertNull(Checkpoints.damage(Checkpoints.directory(run).resolve("step-000006")), "written anew");
  }

  @Test
  void aRunStoppedBeforeItsFirstCheckpointResumesFromTheStart() throws Exception {
    ExperimentSpec spec = spec("early", 5, 4);
    RuntimeException stop = new RuntimeException("stopped");
    assertThrows(RuntimeException.class, () -> runner().run(spec, m -> {
      if (m.step() == 2) {
        throw stop;
      }
    }));
    List<StepMetrics> resumed = new ArrayList<>();
    runner().resume(dir.resolve("early"), resumed::add);
    assertEquals(1, resumed.get(0).step());
    assertEquals(5, Files.readAllLines(dir.resolve("early/metrics.jsonl")).size());
  }

  @Test
  void aBatchThatCannotFitIsRefusedBeforeAnythingIsWritten() {
    ExperimentSpec huge = SpecReader.parse(SpecReader.toJson(spec("huge", 2, 0)).replace("\"batchSize\" : 4,", "\"batchSize\" : 2000000,"), "huge");
    long start = System.nanoTime();
    SpecException e = assertThrows(SpecException.class, () -> runner().run(huge, m -> { }));
    assertTrue((System.nanoTime() - start) / 1e9 < 20, "refused in seconds");
    assertEquals("training.batchSize", e.path());
    assertTrue(e.getMessage().contains("of memory") && e.getMessage().contains("available"), e.getMessage());
    assertTrue(Files.notExists(dir.resolve("huge")), "nothing written");
  }

  @Test
  void theEstimateGrowsWithBatchAndContextAndNamesItsParts() {
    ModelDims dims = new ModelDims(1000, 64, 4, 256, 2, 128);
    ExperimentSpec base = spec("e", 2, 0);
    MemoryEstimate small = MemoryEstimate.of(dims, base.training(), 100_000);
    MemoryEstimate big = MemoryEstimate.of(dims, base.training().withBatchSize(64), 100_000);
    assertEquals(16 * 100_000L, small.parameterBytes());
    // per token: 2 layers × (4 bytes × (16·64 + 4·256) + 8 bytes × 4 heads × 128 scores) + 4 bytes × 3·1000, batch 4 × 128 tokens
    assertEquals((2 * (4L * (16 * 64 + 4 * 256) + 8L * 4 * 128) + 4L * 3 * 1000) * 4 * 128, small.activationBytes());
    assertEquals(16 * small.activationBytes(), big.activationBytes());
    MemoryEstimate absurd = MemoryEstimate.of(dims, base.training().withBatchSize(2_000_000_000), 100_000);
    SpecException e = assertThrows(SpecException.class, () -> absurd.requireFits(Device.cpu()));
    assertTrue(e.getMessage().matches(".*need about [0-9.]+ [TP]B of memory.*"), e.getMessage());
  }

  @Test
  void attentionScoresGrowWithTheSquareOfTheContextAndTheRefusalNamesTheLargestBatch() {
    ExperimentSpec base = spec("e", 2, 0);
    MemoryEstimate at1k = MemoryEstimate.of(new ModelDims(1000, 64, 16, 256, 8, 1024), base.training(), 0);
    MemoryEstimate at2k = MemoryEstimate.of(new ModelDims(1000, 64, 16, 256, 8, 2048), base.training(), 0);
    long scores1k = 8L * 8 * 16 * 1024 * 1024 * 4; // layers × heads × T² × batch 4, two fp32 tensors
    assertTrue(at1k.activationBytes() > scores1k && at2k.activationBytes() > 4 * scores1k, "B·heads·T² per layer");
    MemoryEstimate half = MemoryEstimate.of(new ModelDims(1000, 64, 16, 256, 8, 1024), base.training().withPrecision("fp16"), 1000);
    assertEquals(20 * 1000L, half.parameterBytes(), "fp32 masters, gradients, moments, and the fp16 copy with its gradient");
    // a 10 GB device: parameters first, then as many sequences as fit
    MemoryEstimate estimate = MemoryEstimate.of(new ModelDims(1000, 64, 16, 256, 8, 1024), base.training().withBatchSize(512), 1_000_000);
    long perSequence = estimate.activationBytes() / 512;
    long available = 10_000_000_000L;
    long largest = estimate.largestBatch(available);
    assertTrue(estimate.parameterBytes() + largest * perSequence <= available && estimate.parameterBytes() + (largest + 1) * perSequence > available);
    SpecException e = assertThrows(SpecException.class, () -> estimate.requireFits(Device.gpu(0), 1, available));
    assertTrue(e.getMessage().contains("the largest batch that fits is " + largest), e.getMessage());
    SpecException none = assertThrows(SpecException.class, () -> estimate.requireFits(Device.gpu(0), 1, 1_000_000));
    assertTrue(none.getMessage().contains("not even one sequence fits"), none.getMessage());
  }
}
