package org.moma.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunsRootTest {
  @TempDir Path tmp;

  @Test
  void onlyPlainFoldersDirectlyInsideAreRunsAndOnlyKnownFilesAreServed() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("runs"));
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("secret.json"), "{}");
    Path run = Files.createDirectories(root.resolve("a-run"));
    Files.writeString(run.resolve("report.html"), "<html>");
    Files.writeString(run.resolve(".lock"), "pid 1 on h");
    Files.createDirectories(run.resolve("eval"));
    Files.writeString(run.resolve("eval/routing.png"), "png");
    Files.createSymbolicLink(run.resolve("eval/linked.json"), outside.resolve("secret.json"));
    Files.createSymbolicLink(root.resolve("linked-run"), outside);
    Files.createDirectories(root.resolve(".console"));
    RunsRoot runs = new RunsRoot(root);

    assertEquals(List.of(run.toRealPath()), runs.runs());
    assertTrue(runs.run("a-run").isPresent());
    for (String name : List.of("linked-run", ".console", "..", "../outside", "a-run/..", "/etc", "", "a run", "a%2Frun")) {
      assertTrue(runs.run(name).isEmpty(), name);
    }
    Path dir = runs.run("a-run").orElseThrow();
    assertTrue(runs.file(dir, "report.html").isPresent());
    assertTrue(runs.file(dir, "eval/routing.png").isPresent());
    for (String file : List.of(".lock", "eval/linked.json", "../outside/secret.json", "eval/../report.html", "/etc/passwd",
        "checkpoints/step-1.ckpt", "eval/missing.png")) {
      assertTrue(runs.file(dir, file).isEmpty(), file);
    }
    assertFalse(RunsRoot.validName("x".repeat(200)));
  }
}
