package org.moma.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunStatusTest {
  @TempDir Path dir;

  private Path run(String name, int logged) throws Exception {
    Path run = Files.createDirectories(dir.resolve(name));
    Files.writeString(run.resolve("spec.json"), "{\"name\": \"" + name + "\", \"training\": {\"steps\": 10}}");
    StringBuilder lines = new StringBuilder();
    for (int s = 1; s <= logged; s++) {
      lines.append("{\"step\":").append(s).append(",\"loss\":").append(5.0 - s).append(",\"lossText\":").append(6.0 - s)
          .append(",\"lossImage\":").append(4.0 - s).append(",\"textTokens\":60,\"imageTokens\":40,\"tokensPerSecond\":50.0}\n");
    }
    Files.writeString(run.resolve("metrics.jsonl"), lines);
    return run;
  }

  @Test
  void eachStateIsReadFromWhatTheFolderHolds() throws Exception {
    RunStatus fresh = RunStatus.read(run("fresh", 0));
    assertEquals("new", fresh.state());
    assertEquals(0, fresh.step());
    assertTrue(Double.isNaN(fresh.loss()));
    assertEquals("{\"name\":\"fresh\",\"state\":\"new\",\"step\":0,\"steps\":10,\"loss\":null,\"lossText\":null,\"lossImage\":null,"
        + "\"tokensPerSecond\":null,\"etaSeconds\":null,\"reason\":null,\"truncatedLine\":false}",
        new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(fresh.fields()), "an unknown figure is null, never NaN");

    Path done = run("done", 3);
    Files.writeString(done.resolve("summary.json"), "{}");
    RunStatus finished = RunStatus.read(done);
    assertEquals("finished", finished.state());
    assertEquals(3, finished.step());
    assertEquals(10, finished.steps());
    assertEquals(2.0, finished.loss());
    assertEquals(3.0, finished.lossText());
    assertEquals(1.0, finished.lossImage());
    assertTrue(Double.isNaN(finished.etaSeconds()), "no ETA once finished");
    assertNull(finished.reason());

    Path cut = run("cut", 4);
    Files.createDirectories(cut.resolve("checkpoints/step-000004"));
    Files.writeString(cut.resolve("metrics.jsonl"), "{\"step\":5,\"lo", java.nio.file.StandardOpenOption.APPEND);
    RunStatus killed = RunStatus.read(cut);
    assertEquals("killed", killed.state(), "no summary, no word, nobody holding it");
    assertTrue(killed.truncatedLine());
    assertEquals(4, killed.step(), "the line before the cut one stands");

    RunStatus.recordEnd(cut, "failed", 4, "out of memory");
    RunStatus failed = RunStatus.read(cut);
    assertEquals("failed", failed.state());
    assertEquals("out of memory", failed.reason());
    RunStatus.recordEnd(cut, "stopped", 4, "SIGTERM");
    assertEquals("stopped", RunStatus.read(cut).state());
    RunStatus.clearEnd(cut);
    assertEquals("killed", RunStatus.read(cut).state());
    assertFalse(Files.exists(cut.resolve(RunStatus.ENDED + ".tmp")), "the marker is written whole");
  }

  @Test
  void aHeldFolderIsRunningWithAnEtaAtItsLastSpeed() throws Exception {
    Path going = run("going", 3);
    try (RunFolder held = RunFolder.open(going)) {
      RunStatus running = RunStatus.read(going);
      assertEquals("running", running.state());
      assertEquals(7 * 100 / 50.0, running.etaSeconds(), 1e-9, "7 steps of 100 tokens at 50 tokens/s");
    }
  }

  @Test
  void aLongMetricsFileIsReadFromItsEndAndACutLastLineStillCounts() throws Exception {
    int lines = 3 * RunStatus.TAIL_BYTES / 100; // lines of about 150 bytes: the file is several tails long
    Path run = run("long", lines);
    assertTrue(Files.size(run.resolve("metrics.jsonl")) > 2L * RunStatus.TAIL_BYTES);
    assertEquals(lines, RunStatus.read(run).step());
    assertEquals(5.0 - lines, RunStatus.read(run).loss());
    Files.writeString(run.resolve("metrics.jsonl"), "{\"step\":" + (lines + 1) + ",\"lo", java.nio.file.StandardOpenOption.APPEND);
    RunStatus cut = RunStatus.read(run);
    assertTrue(cut.truncatedLine());
    assertEquals(lines, cut.step(), "the whole line before the cut one");

    // a last line longer than the tail: nothing whole in the tail, so the file is read whole
    Path huge = run("huge", lines);
    Files.writeString(huge.resolve("metrics.jsonl"), "{\"step\":" + (lines + 1) + ",\"note\":\"" + "x".repeat(RunStatus.TAIL_BYTES + 10) + "\"}\n",
        java.nio.file.StandardOpenOption.APPEND);
    assertEquals(lines + 1, RunStatus.read(huge).step());
    assertFalse(RunStatus.read(huge).truncatedLine());
  }
}
