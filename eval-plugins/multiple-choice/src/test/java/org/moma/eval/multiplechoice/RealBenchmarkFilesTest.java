package org.moma.eval.multiplechoice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The parsers on the real, published benchmark files, with their item counts. They run when a
 * folder is named by the environment variable {@value #SETTING} (or the system property
 * {@code moma.benchmarks}); then a missing or incomplete folder fails. Without it they are skipped,
 * and say so.
 */
class RealBenchmarkFilesTest {
  static final String SETTING = "MOMA_BENCHMARKS";
  static final String WHY_SKIPPED = SETTING + " is not set: the tests on the real benchmark files are skipped"
      + " (set it to a folder holding the published files, laid out as README's 'Commonsense tasks' says)";
  static Path folder;

  @BeforeAll
  static void folder() {
    String named = System.getProperty("moma.benchmarks", System.getenv(SETTING));
    if (named == null || named.isBlank()) {
      System.out.println("[RealBenchmarkFilesTest] SKIPPED: " + WHY_SKIPPED);
      return;
    }
    folder = Path.of(named).toAbsolutePath().normalize();
    assertTrue(Files.isDirectory(folder), SETTING + "=" + named + " is not a folder");
    System.out.println("[RealBenchmarkFilesTest] reading the real benchmark files in " + folder);
  }

  @BeforeEach
  void onlyWithTheFolder() {
    Assumptions.assumeTrue(folder != null, WHY_SKIPPED);
  }

  @Test
  void everyTaskParsesWithItsPublishedItemCount() throws IOException {
    Map<Task, Integer> counts = Map.of(Task.piqa, 1838, Task.siqa, 1954, Task.hellaswag, 10042, Task.winogrande, 1267,
        Task.arc_easy, 570, Task.arc_challenge, 299, Task.openbookqa, 500, Task.boolq, 3270);
    for (Map.Entry<Task, Integer> e : counts.entrySet()) {
      List<Task.Item> items = e.getKey().read(folder);
      assertEquals(e.getValue(), items.size(), e.getKey().label());
      for (Task.Item item : items) {
        assertTrue(item.answer() >= 0 && item.answer() < item.choices(), e.getKey().label() + " answer out of range");
      }
    }
  }

  @Test
  void itemsCarryTheirOriginalContent() throws IOException {
    Task.Item hella = Task.hellaswag.read(folder).get(0);
    assertEquals("Roof shingle removal: A man is sitting on a roof. he", hella.contexts().get(0));
    assertEquals(3, hella.answer());
    assertEquals(" starts pulling up roofing on a roof.", hella.continuations().get(3));
    Task.Item wino = Task.winogrande.read(folder).get(0);
    assertEquals("Sarah was a much better surgeon than Maria so Maria", wino.contexts().get(1));
    assertEquals(" always got the easier cases.", wino.continuations().get(0));
    assertEquals(1, wino.answer());
    Task.Item arc = Task.arc_easy.read(folder).get(0);
    assertEquals(" cellular telephone", arc.continuations().get(0));
    assertEquals(0, arc.answer());
    assertEquals(List.of(" no", " yes"), Task.boolq.read(folder).get(0).continuations());
    assertEquals(0, Task.boolq.read(folder).get(0).answer());
    assertEquals(2, Task.siqa.read(folder).get(0).answer());
  }
}
