package org.moma.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceSummaryTest {
  @TempDir Path dir;

  private static String event(String name, double ts, double dur, int tid) {
    return "{\"name\": \"" + name + "\", \"ph\": \"X\", \"ts\": " + ts + ", \"dur\": " + dur + ", \"tid\": " + tid
        + ", \"pid\": \"CPU Functions\", \"args\": {}}";
  }

  @Test
  void selfTimeExcludesCalleesAndTopLevelCountsOnlyCallers() throws IOException {
    // thread 1: linear [0,100] calls mm [10,40] (which calls fill [12,15]) and add [50,60]; then mm [100,130] at top level.
    // thread 2 (the backward): one node [0,30] calling mm [5,25]. Listed out of order, as threads interleave in a trace.
    Path trace = Files.writeString(dir.resolve("t.json"), "[\n" + String.join(",\n",
        event("aten::mm", 100, 30, 1), event("aten::linear", 0, 100, 1), event("aten::add", 50, 10, 1),
        event("aten::mm", 10, 30, 1), event("aten::fill_", 12, 3, 1),
        event("MmBackward0", 0, 30, 2), event("aten::mm", 5, 20, 2),
        "{\"name\": \"__start_profile\", \"ph\": \"i\", \"ts\": 0}") + "\n]\n");
    TraceSummary s = TraceSummary.read(trace, 1);
    Map<String, TraceSummary.Operator> ops = s.operators.stream().collect(Collectors.toMap(TraceSummary.Operator::name, o -> o));
    assertEquals(3, s.topLevel, "linear, the second mm, the backward node");
    assertEquals(7, s.all);
    assertEquals(60, ops.get("aten::linear").selfMicros(), 1e-9);
    assertEquals(3, ops.get("aten::mm").calls());
    assertEquals(27 + 30 + 20, ops.get("aten::mm").selfMicros(), 1e-9);
    assertEquals(10, ops.get("MmBackward0").selfMicros(), 1e-9);
    assertEquals(100 + 30 + 30, s.selfMicros, 1e-9, "self times add up to the top-level time");
    assertEquals("aten::mm", s.operators.get(0).name(), "most self time first");

    StringWriter text = new StringWriter();
    TraceSummary.read(trace, 2).print(new PrintWriter(text, true), 2); // the same trace as two steps: halves per step
    String printed = text.toString();
    assertTrue(printed.contains("per step: 1.5 operators called (top level), 3.5 in all, 0.08 ms"), printed);
    assertTrue(printed.contains("aten::mm") && printed.contains("aten::linear") && !printed.contains("aten::add"), printed);
  }

  @Test
  void somethingElseIsRefusedByName() throws IOException {
    Path notATrace = Files.writeString(dir.resolve("n.json"), "{\"events\": 3}");
    IOException e = assertThrows(IOException.class, () -> TraceSummary.read(notATrace, 1));
    assertTrue(e.getMessage().contains("n.json"), e.getMessage());
  }
}
