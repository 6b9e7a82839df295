package org.moma.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moma.itests.MomaProcess.Result;

/**
 * Same spec, same seed, same losses bit for bit, at the default thread count: every shipped
 * configuration trains twice for 20 steps and every step's loss must be equal. The batch (8 × 128
 * tokens × d 64) puts the expert gathers above libtorch's 32,768-element grain size, where
 * multi-threaded kernels that add with atomics would show.
 */
class DeterminismIT {
  static final String SPEC = "{\"name\": \"NAME\", \"seed\": 5, \"device\": \"cpu\", \"data\": {\"name\": \"shapes\"},"
      + " \"model\": {\"dModel\": 64, \"layers\": 2, \"heads\": 2, \"ffnDim\": 128, \"seqLen\": 128, \"zLoss\": 0.0001 MODEL},"
      + " \"training\": {\"steps\": 20, \"batchSize\": 8, \"learningRate\": 0.003, \"warmupSteps\": 2, \"checkpointEvery\": 1000}}";
  static final String MOMA_4T4I = "\"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 4, \"image\": 4}ROUTER}}";
  static final String MOD = "\"depth\": {\"name\": \"mod\"}";

  @TempDir Path work;

  static String model(String config) {
    return switch (config) {
      case "dense" -> "";
      case "moe8" -> ", \"ffn\": {\"name\": \"moe\", \"options\": {\"experts\": 8}}";
      case "1t1i" -> ", \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 1, \"image\": 1}}}";
      case "4t4i" -> ", " + MOMA_4T4I.replace("ROUTER", "");
      case "6t2i" -> ", \"ffn\": {\"name\": \"moma\", \"options\": {\"experts\": {\"text\": 6, \"image\": 2}}}";
      case "mod" -> ", " + MOD;
      case "mod4t4i" -> ", " + MOMA_4T4I.replace("ROUTER", "") + ", " + MOD;
      case "token-choice" -> ", " + MOMA_4T4I.replace("ROUTER", ", \"router\": {\"name\": \"token-choice\", \"options\": {\"topK\": 2}}");
      case "hash" -> ", " + MOMA_4T4I.replace("ROUTER", ", \"router\": {\"name\": \"hash\"}");
      case "gumbel" -> ", " + MOMA_4T4I.replace("ROUTER", ", \"router\": {\"name\": \"gumbel\"}");
      case "joint" -> ", " + MOMA_4T4I.replace("ROUTER", "") + ", " + MOD + ", \"auxiliary\": {\"name\": \"joint\"}";
      default -> throw new IllegalArgumentException(config);
    };
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"dense", "moe8", "1t1i", "4t4i", "6t2i", "mod", "mod4t4i", "token-choice", "hash", "gumbel", "joint"})
  void twoRunsOfTheSameSpecHaveEqualLossesAtEveryStep(String config) throws Exception {
    Path spec = Files.writeString(work.resolve(config + ".json"), SPEC.replace("NAME", config).replace(" MODEL", model(config)));
    List<Double> first = train(spec, "first");
    List<Double> second = train(spec, "second");
    assertEquals(20, first.size());
    assertEquals(first, second, config + ": two runs of the same spec differ");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"upcycled 1t1i to 4t4i with gumbel"})
  void twoUpcycledRunsHaveEqualLossesAtEveryStep(String config) throws Exception {
    Path seed = Files.writeString(work.resolve("seed.json"), SPEC.replace("NAME", "seed").replace(" MODEL", model("1t1i"))
        .replace("\"steps\": 20", "\"steps\": 6"));
    List<List<Double>> runs = new ArrayList<>();
    for (String name : List.of("a", "b")) {
      train(seed, "seed-" + name);
      Path target = Files.writeString(work.resolve("up-" + name + ".json"), SPEC.replace("NAME", "up").replace(" MODEL", model("gumbel"))
          .replace("\"seed\": 5,", "\"seed\": 5, \"output\": \"" + work.resolve("up-" + name) + "\","));
      Result up = MomaProcess.run(Distribution.home(), work, "upcycle", work.resolve("seed-" + name).toString(), "--to",
          target.toString());
      assertEquals(0, up.exit(), up.err());
      Result resumed = MomaProcess.run(Distribution.home(), work, "run", "--resume", work.resolve("up-" + name).toString());
      assertEquals(0, resumed.exit(), resumed.err());
      runs.add(losses(work.resolve("up-" + name)));
    }
    assertEquals(20, runs.get(0).size());
    assertEquals(runs.get(0), runs.get(1), config + ": two runs differ");
  }

  private List<Double> train(Path spec, String output) throws Exception {
    Result r = MomaProcess.run(Distribution.home(), work, "run", spec.toString(), "--output", work.resolve(output).toString());
    assertEquals(0, r.exit(), r.err());
    return losses(work.resolve(output));
  }

  static List<Double> losses(Path run) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<Double> losses = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      losses.add(json.readTree(line).get("loss").asDouble());
    }
    return losses;
  }
}
