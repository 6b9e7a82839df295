package org.moma.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.itests.MomaProcess.Result;

/**
 * The engine route a user sees and chooses: {@code moma env --json} names the bundled libtorch; the
 * same libtorch copied elsewhere and named by {@code MOMA_LIBTORCH} (without its JNI, which moma
 * then takes from its pytorch-jni jar) is what the process loads and trains on; a folder without
 * libtorch is refused before the framework starts.
 */
class EngineRoutesIT {
  @TempDir Path work;
  final ObjectMapper json = new ObjectMapper();

  private JsonNode env(Map<String, String> vars) throws Exception {
    Result r = MomaProcess.run(Distribution.home(), work, vars, "env", "--json");
    assertEquals(0, r.exit(), r.err());
    return json.readTree(r.out());
  }

  @Test
  void theBundledLibtorchThenACopyOfItNamedByMomaLibtorch() throws Exception {
    JsonNode bundled = env(Map.of());
    for (String key : new String[] {"java", "libtorch", "jni", "devices", "threads", "allocator", "mpi"}) {
      assertTrue(bundled.has(key), "moma env --json lacks " + key + ": " + bundled);
    }
    assertEquals("bundled", bundled.at("/libtorch/source").asText());
    assertEquals("cpu", bundled.at("/libtorch/flavor").asText());
    assertTrue(bundled.at("/libtorch/version").asText().startsWith("2.5.1"), bundled.toString());
    assertTrue(bundled.get("devices").size() > 0 && bundled.get("devices").get(0).has("name"), bundled.toString());
    Path source = Path.of(bundled.at("/libtorch/path").asText());
    Path copy = Files.createDirectories(work.resolve("libtorch"));
    try (Stream<Path> files = Files.list(source)) {
      for (Path f : files.filter(f -> !f.getFileName().toString().contains("djl_torch")).toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    Map<String, String> external = Map.of("MOMA_LIBTORCH", copy.toString(), "ENGINE_CACHE_DIR", work.resolve("cache").toString());
    JsonNode chosen = env(external);
    assertEquals("external", chosen.at("/libtorch/source").asText());
    assertEquals(copy.toRealPath().toString(), Path.of(chosen.at("/libtorch/path").asText()).toRealPath().toString(),
        "the process loaded the named folder's libtorch");
    assertTrue(chosen.get("jni").asText().startsWith(work.resolve("cache").toString()), "the bundled JNI, copied into DJL's cache: " + chosen);
    Path spec = Files.writeString(work.resolve("s.json"), "{\"name\": \"ext\", \"seed\": 1, \"device\": \"cpu\", \"data\": {\"name\": \"synthetic\"},"
        + " \"model\": {\"dModel\": 16, \"layers\": 1, \"heads\": 2, \"ffnDim\": 32, \"seqLen\": 16},"
        + " \"training\": {\"steps\": 3, \"batchSize\": 2, \"warmupSteps\": 1}}");
    Result run = MomaProcess.run(Distribution.home(), work, external, "run", spec.toString(), "--output", work.resolve("ext").toString());
    assertEquals(0, run.exit(), run.err());
    assertEquals(3, Files.readAllLines(work.resolve("ext/metrics.jsonl")).size());
  }

  @Test
  void aFolderWithoutLibtorchIsRefusedInOneLine() throws Exception {
    Path empty = Files.createDirectories(work.resolve("empty"));
    Result r = MomaProcess.run(Distribution.home(), work, Map.of("MOMA_LIBTORCH", empty.toString()), "env");
    assertEquals(2, r.exit(), r.err());
    assertEquals(1, r.errLines().size(), r.err());
    assertTrue(r.err().startsWith("error: MOMA_LIBTORCH=") && r.err().contains("libtorch.so"), r.err());
  }
}
