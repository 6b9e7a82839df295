package org.moma.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.itests.MomaProcess.Result;

/**
 * Data parallelism on Open MPI: {@code moma run SPEC --ranks 2} (two ranks under mpirun on
 * loopback) gives the loss of one process at every step, writes its metrics once, and resumes with
 * another number of ranks. Needs {@code mpirun}: without it these tests are skipped with the reason,
 * unless {@code MOMA_REQUIRE_MPI} is set (CI sets it), then they fail.
 */
class DataParallelIT {
  static final String SPEC = "{\"name\": \"NAME\", \"seed\": 7, \"device\": \"cpu\","
      + " \"model\": {\"dModel\": 64, \"layers\": 2, \"heads\": 4, \"ffnDim\": 256, \"seqLen\": 64FFN},"
      + " \"training\": {\"steps\": 30, \"batchSize\": 8, \"learningRate\": 0.005, \"warmupSteps\": 3, \"checkpointEvery\": 10}}";

  @TempDir Path work;
  final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void needsOpenMpi() {
    boolean found = false;
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      found |= new File(dir, "mpirun").canExecute();
    }
    if (!found) {
      String why = "mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev): data-parallel tests skipped";
      assertTrue(System.getenv("MOMA_REQUIRE_MPI") == null, "MOMA_REQUIRE_MPI is set but " + why);
      System.out.println("[DataParallelIT] SKIPPED: " + why);
      Assumptions.abort(why);
    }
  }

  @Test
  void twoRanksGiveTheLossOfOneProcessAtEveryStepForDenseAndMoma() throws Exception {
    for (String[] config : new String[][] {{"dense", ""},
        {"moma1t1i", ", \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 1, \"image\": 1}}}"}}) {
      Path spec = Files.writeString(work.resolve(config[0] + ".json"), SPEC.replace("NAME", config[0]).replace("FFN", config[1]));
      Result one = MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--output", config[0] + "-1");
      assertEquals(0, one.exit(), one.err());
      Result two = MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--output", config[0] + "-2", "--ranks", "2");
      assertEquals(0, two.exit(), two.out() + two.err());
      List<Double> a = losses(work.resolve(config[0] + "-1"));
      List<Double> b = losses(work.resolve(config[0] + "-2"));
      assertEquals(30, a.size());
      assertEquals(30, b.size(), "30 metrics lines, written once by rank 0");
      for (int i = 0; i < 30; i++) {
        assertEquals(0, Math.abs(a.get(i) - b.get(i)) / a.get(i), 1e-4, config[0] + " step " + (i + 1) + ": " + a.get(i) + " vs " + b.get(i));
      }
      assertEquals(2, json.readTree(work.resolve(config[0] + "-2/summary.json").toFile()).get("ranks").asInt());
      assertEquals(1, two.out().lines().filter(l -> l.startsWith("done on")).count(), "rank 0 alone reports: " + two.out());
    }
  }

  @Test
  void aCheckpointOfOneProcessResumesOnTwoRanksAtTheSamePlaceInTheData() throws Exception {
    Path spec = Files.writeString(work.resolve("d.json"), SPEC.replace("NAME", "d").replace("FFN", ""));
    assertEquals(0, MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--output", "ref").exit());
    List<Double> reference = losses(work.resolve("ref"));
    assertEquals(0, MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--output", "cut").exit());
    // as if stopped after step 20: its checkpoint at 30 never happened
    deleteTree(work.resolve("cut/checkpoints/step-000030"));
    Result resumed = MomaProcess.run(Distribution.home(), work, "run", "--resume", "cut", "--ranks", "2");
    assertEquals(0, resumed.exit(), resumed.out() + resumed.err());
    List<Double> got = losses(work.resolve("cut"));
    assertEquals(30, got.size());
    for (int i = 20; i < 30; i++) {
      assertEquals(0, Math.abs(reference.get(i) - got.get(i)) / reference.get(i), 1e-4, "step " + (i + 1));
    }
  }

  @Test
  void sigtermToTheLaunchingProcessStopsBothRanksAfterOneStepWithACheckpointThatResumes() throws Exception {
    int steps = 80;
    Path spec = Files.writeString(work.resolve("t.json"), SPEC.replace("NAME", "t").replace("FFN", "")
        .replace("\"steps\": 30", "\"steps\": " + steps).replace("\"checkpointEvery\": 10", "\"checkpointEvery\": 1000"));
    assertEquals(0, MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--output", "ref").exit());
    List<Double> reference = losses(work.resolve("ref"));

    Path run = work.resolve("termed");
    Path log = work.resolve("termed.log");
    Process p = new ProcessBuilder(Distribution.home().resolve("bin/moma").toString(), "run", spec.toString(), "--output", "termed",
        "--ranks", "2").directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    while (p.isAlive() && lines(run) < 10) {
      Thread.sleep(20);
    }
    assertTrue(p.isAlive(), "the run finished before the signal (make it longer)");
    p.destroy(); // SIGTERM to moma, which passes it on to the ranks
    assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "the job did not end after SIGTERM");
    String out = Files.readString(log);
    assertEquals(143, p.exitValue(), out);
    int at = lines(run);
    assertTrue(at >= 10 && at < steps, "stopped after step " + at + ": " + out);
    assertTrue(out.contains("rank 1: stopped after step " + at + " of " + steps + " (SIGTERM)"), "both ranks stop after the same step: " + out);
    assertTrue(Files.isDirectory(run.resolve("checkpoints").resolve(String.format("step-%06d", at))), out);

    Result resumed = MomaProcess.run(Distribution.home(), work, "run", "--resume", "termed", "--ranks", "2");
    assertEquals(0, resumed.exit(), resumed.out() + resumed.err());
    List<Double> got = losses(run);
    assertEquals(steps, got.size());
    for (int i = 0; i < steps; i++) {
      assertEquals(0, Math.abs(reference.get(i) - got.get(i)) / reference.get(i), 1e-4, "step " + (i + 1) + " (stopped after " + at + ")");
    }
  }

  private static int lines(Path run) throws Exception {
    Path metrics = run.resolve("metrics.jsonl");
    return Files.isRegularFile(metrics) ? (int) Files.readAllLines(metrics).stream().filter(l -> l.endsWith("}")).count() : 0;
  }

  @Test
  void aGlobalBatchThatDoesNotDivideAmongTheRanksIsOneClearLine() throws Exception {
    Path spec = Files.writeString(work.resolve("odd.json"), SPEC.replace("NAME", "odd").replace("FFN", ""));
    Result r = MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--output", "odd", "--ranks", "3");
    assertEquals(2, r.exit(), r.out() + r.err());
    List<String> errors = r.errLines().stream().filter(l -> l.startsWith("error:")).toList();
    assertEquals(List.of("error: training.batchSize: the global batch of 8 sequences does not divide among 3 ranks:"
        + " make it a multiple of 3"), errors, r.err());
    assertTrue(Files.notExists(work.resolve("odd")), "nothing written");
  }

  @Test
  void benchRanksRunsBothKindsInTurnAndPrintsTheirRatio() throws Exception {
    Path spec = Files.writeString(work.resolve("b.json"), SPEC.replace("NAME", "b").replace("FFN", ""));
    Result r = MomaProcess.run(Distribution.home(), work, "bench", "ranks", spec.toString(), "--steps", "5", "--rounds", "2");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertEquals(2, r.out().lines().filter(l -> l.matches("  round [12]/2: 1 process \\d+ tokens/s, 2 ranks \\d+ tokens/s, [0-9.]+x")).count(),
        r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.matches("2 ranks x 1 thread against 1 process x 1 thread: [0-9.]+x \\(median of 2 rounds.*")),
        r.out());
    assertTrue(r.out().contains("2 ranks (each)"), r.out());
    try (var left = Files.walk(work)) {
      assertEquals(List.of(), left.filter(p -> p.endsWith("metrics.jsonl")).toList(), "the runs are scratch, not left behind");
    }
  }

  private List<Double> losses(Path run) throws Exception {
    List<Double> losses = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      losses.add(json.readTree(line).get("loss").asDouble());
    }
    return losses;
  }

  private static void deleteTree(Path dir) throws Exception {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
