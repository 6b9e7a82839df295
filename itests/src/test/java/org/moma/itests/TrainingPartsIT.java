package org.moma.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.itests.MomaProcess.Result;

/**
 * The training loop's plugin kinds through {@code bin/moma}: {@code moma list} shows them; an
 * optimizer built outside the platform (examples/custom-optimizer) dropped into {@code plugins/}
 * trains a spec with a cosine schedule, a CSV sink and a z-loss term, and resumes from its
 * checkpoint to the same losses; unknown names are one line listing what is installed.
 */
class TrainingPartsIT {
  static final String SPEC = "{\"name\": \"parts\", \"seed\": 3, \"device\": \"cpu\", \"data\": {\"name\": \"synthetic\"},"
      + " \"model\": {\"dModel\": 32, \"layers\": 2, \"heads\": 2, \"ffnDim\": 64, \"seqLen\": 32},"
      + " \"training\": {\"steps\": 12, \"batchSize\": 4, \"learningRate\": 0.003, \"warmupSteps\": 2, \"checkpointEvery\": 4 TRAINING}}";

  @TempDir Path work;

  private List<Double> losses(Path run) throws Exception {
    List<Double> losses = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      losses.add(new ObjectMapper().readTree(line).get("loss").asDouble());
    }
    return losses;
  }

  @Test
  void aDroppedInOptimizerTrainsWithAScheduleASinkAndALossTermAndResumes() throws Exception {
    Path home = Distribution.copy(work.resolve("dist"));
    Result before = MomaProcess.run(home, work, "list");
    for (String listed : new String[] {"optimizers", "adamw", "lion", "sgd", "schedules", "warmup-linear", "cosine", "constant", "wsd",
        "metrics sinks", "console", "csv", "loss terms", "z-loss", "load-balance"}) {
      assertTrue(before.out().contains(listed), "moma list lacks " + listed + ":\n" + before.out());
    }
    assertTrue(!before.out().contains("signum"));
    Files.copy(Distribution.exampleOptimizer(), home.resolve("plugins/signum.jar"));
    Result list = MomaProcess.run(home, work, "list");
    assertTrue(list.out().contains("signum") && list.out().contains("momentum:number=0.9"), list.out());
    Path spec = Files.writeString(work.resolve("signum.json"), SPEC.replace(" TRAINING", ", \"optimizer\": {\"name\": \"signum\"},"
        + " \"schedule\": {\"name\": \"cosine\"}, \"sinks\": [{\"name\": \"console\"}, {\"name\": \"csv\"}],"
        + " \"loss\": [{\"name\": \"z-loss\", \"options\": {\"weight\": 0.0001}}]"));
    Result whole = MomaProcess.run(home, work, "run", spec.toString(), "--output", work.resolve("whole").toString());
    assertEquals(0, whole.exit(), whole.err());
    assertTrue(whole.out().contains("step   12/12"), whole.out());
    assertEquals(13, Files.readAllLines(work.resolve("whole/metrics.csv")).size(), "a header and 12 rows");
    List<Double> reference = losses(work.resolve("whole"));
    assertTrue(reference.get(11) < reference.get(0), "signum learns: " + reference);
    // killed (-9) after its step-8 checkpoint, the run resumes to the same losses: the plugin's state is in the checkpoint
    Process p = new ProcessBuilder(home.resolve("bin/moma").toString(), "run", spec.toString(), "--output", work.resolve("killed").toString())
        .directory(work.toFile()).redirectErrorStream(true).redirectOutput(work.resolve("killed.log").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    long deadline = System.currentTimeMillis() + 120_000;
    while (p.isAlive() && !Files.isDirectory(work.resolve("killed/checkpoints/step-000008")) && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    p.destroyForcibly();
    p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
    Result resumed = MomaProcess.run(home, work, "run", "--resume", work.resolve("killed").toString());
    assertEquals(0, resumed.exit(), resumed.err());
    assertEquals(reference, losses(work.resolve("killed")));
    List<String> rows = Files.readAllLines(work.resolve("killed/metrics.csv"));
    assertEquals(13, rows.size(), "the CSV sink kept the rows before the resumed step and appended after them: " + rows);
    for (int i = 1; i <= 12; i++) {
      assertTrue(rows.get(i).startsWith(i + ","), rows.get(i));
    }
  }

  @Test
  void unknownPartsAreOneLineListingTheInstalledOnes() throws Exception {
    for (String[] c : new String[][] {{"optimizer", "adamw"}, {"schedule", "cosine"}}) {
      Path spec = Files.writeString(work.resolve(c[0] + ".json"), SPEC.replace(" TRAINING", ", \"" + c[0] + "\": {\"name\": \"nope\"}"));
      Result r = MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--output", work.resolve(c[0]).toString());
      assertEquals(2, r.exit(), r.err());
      assertEquals(1, r.errLines().size(), r.err());
      assertTrue(r.err().contains("training." + c[0] + ".name") && r.err().contains(c[1]), r.err());
      assertTrue(Files.notExists(work.resolve(c[0])), "nothing written");
    }
  }
}
