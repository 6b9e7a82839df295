package org.moma.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.spec.ExperimentSpec;
import org.moma.api.train.StepMetrics;
import org.moma.data.synthetic.SyntheticDatasetPlugin;
import org.moma.layer.dense.DenseLayerPlugin;
import org.moma.spec.SpecReader;

/** A profile window records the operators of its steps, and only of those, into a Chrome trace. */
class StepProfileTest {
  @TempDir Path dir;

  private ExperimentSpec spec(String name, int steps) {
    return SpecReader.parse("{\"name\": \"" + name + "\", \"seed\": 5, \"device\": \"cpu\", \"output\": \"" + dir.resolve(name) + "\","
        + "\"data\": {\"name\": \"synthetic\"}, \"model\": {\"dModel\": 32, \"layers\": 2, \"heads\": 2, \"ffnDim\": 64, \"seqLen\": 32},"
        + "\"training\": {\"steps\": " + steps + ", \"batchSize\": 4, \"learningRate\": 0.01, \"warmupSteps\": 2,"
        + " \"checkpointEvery\": 0}}", name);
  }

  private static ExperimentRunner runner() {
    return new ExperimentRunner(TestPlugins.of(new DenseLayerPlugin(), new SyntheticDatasetPlugin()));
  }

  /** The names of the trace's complete events, in the order they started. */
  private static List<String> operators(Path trace) throws Exception {
    JsonNode events = new ObjectMapper().readTree(trace.toFile());
    List<JsonNode> complete = new ArrayList<>();
    events.forEach(e -> {
      if ("X".equals(e.path("ph").asText())) {
        complete.add(e);
      }
    });
    complete.sort(java.util.Comparator.comparingDouble(e -> e.path("ts").asDouble()));
    return complete.stream().map(e -> e.path("name").asText()).toList();
  }

  private static long count(List<String> names, String name) {
    return names.stream().filter(name::equals).count();
  }

  @Test
  void aWindowRecordsItsStepsOperatorsWithTheirBackward() throws Exception {
    Path one = dir.resolve("one.json");
    Path two = dir.resolve("two.json");
    runner().profiling(new StepProfile(2, 2, one)).run(spec("one", 4), m -> {});
    runner().profiling(new StepProfile(2, 3, two)).run(spec("two", 4), m -> {});
    List<String> a = operators(one);
    List<String> b = operators(two);
    // forward products and their backward nodes: an embedding, 2 layers of 4 attention and 3 FFN products, the head
    assertTrue(count(a, "aten::mm") > 0, "products recorded: " + a.subList(0, Math.min(20, a.size())));
    assertTrue(a.stream().anyMatch(n -> n.startsWith("autograd::engine::evaluate_function: MmBackward")), "the backward is recorded");
    assertEquals(2 * count(a, "aten::mm"), count(b, "aten::mm"), "two steps hold twice one step's products");
    assertEquals(2 * count(a, "aten::embedding"), count(b, "aten::embedding"));
  }

  @Test
  void aRunEndingInsideItsWindowStillWritesItsTraceAndStopsTheProfiler() throws Exception {
    Path cut = dir.resolve("cut.json");
    List<StepMetrics> seen = new ArrayList<>();
    assertThrows(RuntimeException.class, () -> runner().profiling(new StepProfile(2, 10, cut)).run(spec("cut", 10), m -> {
      seen.add(m);
      if (m.step() == 3) {
        throw new RuntimeException("stopped inside the window");
      }
    }));
    assertTrue(Files.size(cut) > 0, "the trace of what was recorded");
    assertFalse(count(operators(cut), "aten::mm") == 0);
    // the profiler is off again: a second window on the same thread records anew
    Path after = dir.resolve("after.json");
    runner().profiling(new StepProfile(1, 1, after)).run(spec("after", 2), m -> {});
    assertTrue(count(operators(after), "aten::mm") > 0);
  }

  @Test
  void aWindowMustBeOrdered() {
    assertThrows(IllegalArgumentException.class, () -> new StepProfile(3, 2, dir.resolve("x.json")));
    assertThrows(IllegalArgumentException.class, () -> new StepProfile(0, 2, dir.resolve("x.json")));
  }
}
