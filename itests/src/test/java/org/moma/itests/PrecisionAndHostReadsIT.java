package org.moma.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.itests.MomaProcess.Result;

/**
 * The GPU path checked on the CPU through {@code bin/moma}: host reads per training step are
 * counted where they happen ({@code MOMA_COUNT_HOST_READS=1}) and stay few whatever the depth;
 * fp16 trains, survives {@code kill -9} and resumes to the same losses; bf16 is refused in one line.
 */
class PrecisionAndHostReadsIT {
  static final String SPEC = "{\"name\": \"NAME\", \"seed\": 2, \"device\": \"cpu\", \"data\": {\"name\": \"shapes\"},"
      + " \"model\": {\"dModel\": 64, \"layers\": LAYERS, \"heads\": 2, \"ffnDim\": 128, \"seqLen\": 64 MODEL},"
      + " \"training\": {\"steps\": STEPS, \"batchSize\": 4, \"learningRate\": 0.003, \"warmupSteps\": 2, \"checkpointEvery\": EVERY TRAINING}}";

  @TempDir Path work;
  final ObjectMapper json = new ObjectMapper();

  private Path spec(String name, int layers, String model, int steps, int every, String training) throws Exception {
    return Files.writeString(work.resolve(name + ".json"), SPEC.replace("NAME", name).replace("LAYERS", "" + layers)
        .replace(" MODEL", model).replace("STEPS", "" + steps).replace("EVERY", "" + every).replace(" TRAINING", training));
  }

  private List<JsonNode> metrics(Path run) throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      lines.add(json.readTree(line));
    }
    return lines;
  }

  @Test
  void hostReadsPerStepStayFewWhateverTheDepth() throws Exception {
    String moma = ", \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 4, \"image\": 4}}}";
    String[][] configs = {
        {"dense", "4", ""},
        {"moe8", "4", ", \"ffn\": {\"name\": \"moe\", \"options\": {\"experts\": 8}}"},
        {"1t1i", "4", ", \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 1, \"image\": 1}}}"},
        {"4t4i", "4", moma},
        {"4t4i-deep", "8", moma},
        {"mod4t4i", "7", moma + ", \"depth\": {\"name\": \"mod\"}"}};
    for (String[] c : configs) {
      Path spec = spec(c[0], Integer.parseInt(c[1]), c[2], 6, 100000, "");
      Result r = MomaProcess.run(Distribution.home(), work, Map.of("MOMA_COUNT_HOST_READS", "1"), "run", spec.toString(),
          "--output", work.resolve(c[0]).toString());
      assertEquals(0, r.exit(), r.err());
      List<JsonNode> steps = metrics(work.resolve(c[0]));
      assertFalse(steps.get(5).has("hostReads"), c[0] + ": a step that writes a checkpoint is not counted");
      for (int s = 1; s < 5; s++) { // after the first step, which checks the routers' index ranges
        long reads = steps.get(s).get("hostReads").asLong();
        // MoD: one read per mixture-of-depths layer (4 of 7) sizes its modality groups and carries the
        // previous step's losses; otherwise at most one read every second step
        long bound = c[0].equals("mod4t4i") ? 4 : 1;
        assertTrue(reads <= bound, c[0] + " step " + (s + 1) + ": " + reads + " host reads");
      }
    }
    Result plain = MomaProcess.run(Distribution.home(), work, "run", spec("plain", 2, "", 3, 100000, "").toString(),
        "--output", work.resolve("plain").toString());
    assertEquals(0, plain.exit(), plain.err());
    assertFalse(metrics(work.resolve("plain")).get(0).has("hostReads"), "counted only when asked");
  }

  @Test
  void fp16KilledWithSigkillResumesToTheSameLosses() throws Exception {
    Path spec = spec("half", 2, "", 16, 4, ", \"precision\": \"fp16\"");
    Result whole = MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--output", work.resolve("whole").toString());
    assertEquals(0, whole.exit(), whole.err());
    Process p = new ProcessBuilder(Distribution.home().resolve("bin/moma").toString(), "run", spec.toString(), "--output",
        work.resolve("killed").toString()).directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(work.resolve("killed.log").toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    Path checkpoint = work.resolve("killed/checkpoints/step-000008");
    long deadline = System.currentTimeMillis() + 120_000;
    while (p.isAlive() && !Files.isDirectory(checkpoint) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
    Result resumed = MomaProcess.run(Distribution.home(), work, "run", "--resume", work.resolve("killed").toString());
    assertEquals(0, resumed.exit(), resumed.err());
    List<JsonNode> a = metrics(work.resolve("whole"));
    List<JsonNode> b = metrics(work.resolve("killed"));
    assertEquals(16, b.size());
    for (int i = 0; i < 16; i++) {
      assertEquals(a.get(i).get("loss").asDouble(), b.get(i).get("loss").asDouble(), "step " + (i + 1));
      assertEquals(a.get(i).get("lossScale").asDouble(), b.get(i).get("lossScale").asDouble(), "loss scale at step " + (i + 1));
      assertEquals(a.get(i).get("skipped").asBoolean(), b.get(i).get("skipped").asBoolean(), "skipped at step " + (i + 1));
    }
  }

  @Test
  void bf16IsRefusedInOneLineWithoutAbortingTheJvm() throws Exception {
    Result r = MomaProcess.run(Distribution.home(), work, "run", spec("b", 2, "", 4, 100000, ", \"precision\": \"bf16\"").toString());
    assertEquals(2, r.exit(), r.err());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.err().startsWith("error:") && r.err().contains("training.precision") && r.err().contains("bfloat16"), r.err());
  }
}
