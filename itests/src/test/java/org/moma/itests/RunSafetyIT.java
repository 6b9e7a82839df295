package org.moma.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.itests.MomaProcess.Result;

/**
 * Runs are never lost: a training process killed with SIGKILL at random moments resumes to the
 * uninterrupted run's final loss, a damaged newest checkpoint falls back to the older one, a run
 * folder is written by one process at a time, a taken name is never overwritten, and commands leave
 * nothing in the temporary folder.
 */
class RunSafetyIT {
  static final String SPEC = "{\"name\": \"safe\", \"seed\": 3, \"device\": \"cpu\","
      + " \"model\": {\"dModel\": 32, \"layers\": 1, \"heads\": 2, \"ffnDim\": 64, \"seqLen\": 32,"
      + "   \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 2, \"image\": 2}}}},"
      + " \"training\": {\"steps\": STEPS, \"batchSize\": 4, \"learningRate\": 0.01, \"warmupSteps\": 2, \"checkpointEvery\": 4}}";

  @TempDir Path work;
  final ObjectMapper json = new ObjectMapper();

  @Test
  void killedThreeTimesWithSigkillAndResumedItEndsAsTheUninterruptedRun() throws Exception {
    int steps = 60;
    // large enough that a step takes a few tens of milliseconds: the kills land mid-run
    Path spec = Files.writeString(work.resolve("spec.json"), SPEC.replace("STEPS", "" + steps)
        .replace("\"dModel\": 32", "\"dModel\": 64").replace("\"seqLen\": 32", "\"seqLen\": 96").replace("\"batchSize\": 4", "\"batchSize\": 8"));
    Result ref = MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--output", "ref");
    assertEquals(0, ref.exit(), ref.err());
    List<Double> reference = losses(work.resolve("ref"));

    long seed = System.nanoTime();
    Random random = new Random(seed);
    Path run = work.resolve("killed");
    int kills = 0;
    for (int k = 0; k < 3; k++) {
      // a moment between the current progress and the end, at least one step on
      int done = lines(run);
      int at = done + 1 + random.nextInt(Math.max(1, steps - done - 8));
      List<String> args = k == 0 ? List.of("run", spec.toString(), "--output", "killed") : List.of("run", "--resume", "killed");
      Process p = start(args);
      while (p.isAlive() && lines(run) < at) {
        Thread.sleep(20);
      }
      if (p.isAlive()) {
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
        p.waitFor(30, TimeUnit.SECONDS);
        kills++;
      }
    }
    assertTrue(kills >= 2, "only " + kills + " of 3 kills landed mid-run (seed " + seed + ")");
    Result resumed = MomaProcess.run(Distribution.home(), work, "run", "--resume", "killed");
    assertEquals(0, resumed.exit(), resumed.err());
    List<Double> got = losses(run);
    assertEquals(steps, got.size(), "every step once in metrics.jsonl (seed " + seed + ")");
    Set<Integer> stepNumbers = new TreeSet<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      stepNumbers.add(json.readTree(line).get("step").asInt());
    }
    assertEquals(steps, stepNumbers.size());
    // bit for bit: training is deterministic at the default thread count, and resume restores everything
    for (int i = 0; i < steps; i++) {
      assertEquals(reference.get(i), got.get(i), "step " + (i + 1) + " after " + kills + " kills (seed " + seed + ")");
    }
    try (Stream<Path> left = Files.list(run.resolve("checkpoints"))) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no temporary checkpoint left");
    }
  }

  @Test
  void sigtermFinishesTheStepWritesACheckpointAndResumesAsTheUninterruptedRun() throws Exception {
    int steps = 60;
    Path spec = Files.writeString(work.resolve("spec.json"), SPEC.replace("STEPS", "" + steps)
        .replace("\"dModel\": 32", "\"dModel\": 64").replace("\"seqLen\": 32", "\"seqLen\": 96").replace("\"batchSize\": 4", "\"batchSize\": 8")
        .replace("\"checkpointEvery\": 4", "\"checkpointEvery\": 1000"));
    Result ref = MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--output", "ref");
    assertEquals(0, ref.exit(), ref.err());
    List<Double> reference = losses(work.resolve("ref"));

    Path run = work.resolve("termed");
    Process p = start(List.of("run", spec.toString(), "--output", "termed"));
    while (p.isAlive() && lines(run) < 10) {
      Thread.sleep(20);
    }
    assertTrue(p.isAlive(), "the run finished before the signal (make it longer)");
    p.destroy(); // SIGTERM
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run did not end after SIGTERM");
    String log = Files.readString(work.resolve("background.log"));
    assertEquals(143, p.exitValue(), log);
    int at = lines(run);
    assertTrue(at >= 10 && at < steps, "stopped after step " + at);
    assertTrue(log.contains("stopped after step " + at + " of " + steps + " (SIGTERM)"), log);
    assertTrue(Files.isDirectory(run.resolve("checkpoints").resolve(String.format("step-%06d", at))),
        "the stop wrote a checkpoint at step " + at + " (checkpointEvery is 1000): " + log);

    Result listed = MomaProcess.run(Distribution.home(), work, "runs", ".");
    assertEquals(0, listed.exit(), listed.err());
    assertTrue(listed.out().lines().anyMatch(l -> l.matches("termed +stopped +" + at + "/" + steps + " .* SIGTERM")), listed.out());
    assertTrue(listed.out().lines().anyMatch(l -> l.matches("ref +finished +" + steps + "/" + steps + " .*")), listed.out());
    Result asJson = MomaProcess.run(Distribution.home(), work, "runs", ".", "--json");
    assertEquals(0, asJson.exit(), asJson.err());
    com.fasterxml.jackson.databind.JsonNode runs = new ObjectMapper().readTree(asJson.out());
    assertEquals(2, runs.size(), asJson.out());
    assertEquals("ref", runs.get(0).get("name").asText());
    assertEquals("finished", runs.get(0).get("state").asText());
    assertEquals("stopped", runs.get(1).get("state").asText());
    assertEquals(at, runs.get(1).get("step").asInt());
    assertEquals("SIGTERM", runs.get(1).get("reason").asText());

    Result resumed = MomaProcess.run(Distribution.home(), work, "run", "--resume", "termed");
    assertEquals(0, resumed.exit(), resumed.err());
    List<Double> got = losses(run);
    assertEquals(steps, got.size());
    for (int i = 0; i < steps; i++) {
      assertEquals(reference.get(i), got.get(i), "step " + (i + 1) + " (SIGTERM after step " + at + ")");
    }
  }

  @Test
  void aDamagedNewestCheckpointFallsBackToTheOlderOneAndSaysSo() throws Exception {
    Path spec = Files.writeString(work.resolve("spec.json"), SPEC.replace("STEPS", "12"));
    assertEquals(0, MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--output", "run").exit());
    Path run = work.resolve("run");
    List<Double> reference = losses(run);
    Path newest = run.resolve("checkpoints/step-000012/model.params");
    Files.write(newest, java.util.Arrays.copyOf(Files.readAllBytes(newest), 1000));
    Result r = MomaProcess.run(Distribution.home(), work, "run", "--resume", "run");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.err().contains("step-000012 is damaged (model.params has 1000 bytes")
        && r.err().contains("falling back to the older intact checkpoint step-000008"), r.err());
    assertEquals(reference, losses(run), "steps 9-12 trained again to the same losses");
    assertTrue(Files.size(newest) > 1000, "the damaged checkpoint was written anew");
  }

  @Test
  void aRunFolderIsWrittenByOneProcessAtATime() throws Exception {
    Path spec = Files.writeString(work.resolve("spec.json"), SPEC.replace("STEPS", "4000"));
    Process first = start(List.of("run", spec.toString(), "--output", "busy"));
    try {
      while (first.isAlive() && lines(work.resolve("busy")) < 1) {
        Thread.sleep(20);
      }
      assertTrue(first.isAlive());
      Result second = MomaProcess.run(Distribution.home(), work, "run", "--resume", "busy");
      assertEquals(2, second.exit(), second.err());
      assertEquals(1, second.errLines().size(), second.err());
      assertTrue(second.err().contains("busy is in use by another moma process (pid " + first.pid()), second.err());
    } finally {
      first.destroyForcibly();
      first.waitFor(30, TimeUnit.SECONDS);
    }
    // the lock dies with its holder, even by SIGKILL: the run continues a little further
    int done = lines(work.resolve("busy"));
    Path busySpec = work.resolve("busy/spec.json");
    Files.writeString(busySpec, Files.readString(busySpec).replaceAll("\"steps\"\\s*:\\s*4000", "\"steps\" : " + (done + 2)));
    Result after = MomaProcess.run(Distribution.home(), work, "run", "--resume", "busy");
    assertEquals(0, after.exit(), after.err());
    assertEquals(done + 2, lines(work.resolve("busy")));
  }

  @Test
  void aTakenNameIsNeverOverwrittenAndAnExplicitOneIsRefused() throws Exception {
    Path spec = Files.writeString(work.resolve("spec.json"), SPEC.replace("STEPS", "3"));
    assertEquals(0, MomaProcess.run(Distribution.home(), work, "run", spec.toString()).exit());
    byte[] firstMetrics = Files.readAllBytes(work.resolve("runs/safe/metrics.jsonl"));
    Result second = MomaProcess.run(Distribution.home(), work, "run", spec.toString());
    assertEquals(0, second.exit(), second.err());
    assertTrue(second.out().contains("runs/safe holds an earlier run: this one goes to runs/safe-2"), second.out());
    assertTrue(Files.isRegularFile(work.resolve("runs/safe-2/summary.json")));
    assertEquals(new String(firstMetrics), Files.readString(work.resolve("runs/safe/metrics.jsonl")));
    Result explicit = MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--steps", "2", "--output", "runs/safe");
    assertEquals(2, explicit.exit());
    assertEquals(List.of("error: runs/safe already holds a run: continue it with 'moma run --resume runs/safe' or choose another --output"),
        explicit.errLines());
    assertEquals(new String(firstMetrics), Files.readString(work.resolve("runs/safe/metrics.jsonl")));
  }

  @Test
  void commandsLeaveNothingInTheTemporaryFolder() throws Exception {
    Path tmp = Files.createDirectories(work.resolve("tmp"));
    String opts = "-Djava.io.tmpdir=" + tmp;
    Path spec = Files.writeString(work.resolve("spec.json"), SPEC.replace("STEPS", "2"));
    for (List<String> args : List.of(List.of("--help"), List.of("list"), List.of("flops", spec.toString()),
        List.of("run", spec.toString(), "--output", "t"), List.of("bench", "train", spec.toString(), "--steps", "3"))) {
      Process p = start(args, opts);
      assertTrue(p.waitFor(300, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), args + ": " + Files.readString(work.resolve("background.log")));
    }
    // a process killed with SIGKILL cannot clean up: the next command removes what it left
    Process killed = start(List.of("run", spec.toString(), "--steps", "100000", "--output", "k"), opts);
    while (killed.isAlive() && lines(work.resolve("k")) < 1) {
      Thread.sleep(20);
    }
    killed.destroyForcibly();
    killed.waitFor(30, TimeUnit.SECONDS);
    Process next = start(List.of("list"), opts);
    assertTrue(next.waitFor(300, TimeUnit.SECONDS));
    try (Stream<Path> left = Files.list(tmp)) {
      assertEquals(List.of(), left.map(p -> p.getFileName().toString()).toList(), "left in the temporary folder");
    }
    try (Stream<Path> caches = Files.list(Distribution.home().resolve("var/felix"))) {
      assertFalse(caches.anyMatch(c -> c.getFileName().toString().startsWith("pid-" + killed.pid() + "-")),
          "the killed process's framework cache was removed by the next command");
    }
  }

  private Process start(List<String> args) throws Exception {
    return start(args, "");
  }

  private Process start(List<String> args, String javaOpts) throws Exception {
    return new ProcessBuilder(command(args, javaOpts)).directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("background.log").toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
  }

  private List<String> command(List<String> args, String javaOpts) {
    List<String> command = new ArrayList<>();
    command.add("env");
    command.add("MOMA_JAVA_OPTS=-Dmoma.log.dir=" + work.resolve("logs") + " " + javaOpts
        + (System.getProperty("DJL_CACHE_DIR") != null ? " -DDJL_CACHE_DIR=" + System.getProperty("DJL_CACHE_DIR") : ""));
    command.add(Distribution.home().resolve("bin/moma").toString());
    command.addAll(args);
    return command;
  }

  private static int lines(Path run) throws Exception {
    Path metrics = run.resolve("metrics.jsonl");
    return Files.isRegularFile(metrics) ? (int) Files.readAllLines(metrics).stream().filter(l -> l.endsWith("}")).count() : 0;
  }

  private List<Double> losses(Path run) throws Exception {
    List<Double> losses = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      losses.add(json.readTree(line).get("loss").asDouble());
    }
    return losses;
  }
}
