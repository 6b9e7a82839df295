package org.moma.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTailTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path run;

  private static String line(int step, double loss) {
    return "{\"step\":" + step + ",\"loss\":" + loss + "}\n";
  }

  private static int[] steps(String array) throws Exception {
    JsonNode a = JSON.readTree(array);
    int[] steps = new int[a.size()];
    for (int i = 0; i < steps.length; i++) {
      steps[i] = a.get(i).get("step").asInt();
    }
    return steps;
  }

  @Test
  void readsWholeLinesFromAStepOnAndFollowsAppendsCutsAndRewrites() throws Exception {
    MetricsTail tail = new MetricsTail();
    assertEquals("[]", tail.from(run, 1), "no metrics file yet");
    Path file = run.resolve("metrics.jsonl");
    Files.writeString(file, line(1, 5) + line(2, 4) + line(3, 3));
    assertEquals(3, steps(tail.from(run, 1)).length);
    assertEquals(2, steps(tail.from(run, 2))[0]);
    assertEquals(0, steps(tail.from(run, 4)).length);

    // a line cut mid-write stays out until the writer completes it
    Files.writeString(file, "{\"step\":4,\"lo", StandardOpenOption.APPEND);
    assertEquals(3, steps(tail.from(run, 1)).length);
    Files.writeString(file, "ss\":2.5}\n" + line(5, 2), StandardOpenOption.APPEND);
    assertEquals(java.util.Arrays.toString(new int[] {4, 5}), java.util.Arrays.toString(steps(tail.from(run, 4))));

    // a resume rewrites the file (a new one moved in place): read again from its start
    Path rewritten = run.resolve("metrics.jsonl.tmp");
    Files.writeString(rewritten, line(1, 5) + line(2, 4) + line(3, 3.25));
    Files.move(rewritten, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    JsonNode now = JSON.readTree(tail.from(run, 1));
    assertEquals(3, now.size());
    assertEquals(3.25, now.get(2).get("loss").asDouble());
  }
}
