package org.moma.eval.multiplechoice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parsers on the real benchmark files in shared/benchmarks, with their item counts. */
class TaskFormatsTest {
  /** The repository's sibling folder shared/ (tests run in eval-plugins/multiple-choice). */
  static final Path BENCHMARKS = Path.of("../../../shared/benchmarks").toAbsolutePath().normalize();

  @Test
  void everyTaskParsesWithItsPublishedItemCount() throws IOException {
    Map<Task, Integer> counts = Map.of(Task.piqa, 1838, Task.siqa, 1954, Task.hellaswag, 10042, Task.winogrande, 1267,
        Task.arc_easy, 570, Task.arc_challenge, 299, Task.openbookqa, 500, Task.boolq, 3270);
    for (Map.Entry<Task, Integer> e : counts.entrySet()) {
      List<Task.Item> items = e.getKey().read(BENCHMARKS);
      assertEquals(e.getValue(), items.size(), e.getKey().label());
      for (Task.Item item : items) {
        assertTrue(item.answer() >= 0 && item.answer() < item.choices(), e.getKey().label() + " answer out of range");
      }
    }
  }

  @Test
  void itemsCarryTheirOriginalContent() throws IOException {
    Task.Item hella = Task.hellaswag.read(BENCHMARKS).get(0);
    assertEquals("Roof shingle removal: A man is sitting on a roof. he", hella.contexts().get(0));
    assertEquals(3, hella.answer());
    assertEquals(" starts pulling up roofing on a roof.", hella.continuations().get(3));
    Task.Item wino = Task.winogrande.read(BENCHMARKS).get(0);
    assertEquals("Sarah was a much better surgeon than Maria so Maria", wino.contexts().get(1));
    assertEquals(" always got the easier cases.", wino.continuations().get(0));
    assertEquals(1, wino.answer());
    Task.Item arc = Task.arc_easy.read(BENCHMARKS).get(0);
    assertEquals(" cellular telephone", arc.continuations().get(0));
    assertEquals(0, arc.answer());
    assertEquals(List.of(" no", " yes"), Task.boolq.read(BENCHMARKS).get(0).continuations());
    assertEquals(0, Task.boolq.read(BENCHMARKS).get(0).answer());
    assertEquals(2, Task.siqa.read(BENCHMARKS).get(0).answer());
  }

  @Test
  void aLineInTheWrongFormatIsNamedWithFileAndLine(@TempDir Path dir) throws IOException {
    Path arc = Files.writeString(dir.resolve("ARC-Easy-Dev.jsonl"),
        "{\"question\": {\"stem\": \"s\", \"choices\": [{\"text\": \"a\", \"label\": \"A\"}, {\"text\": \"b\", \"label\": \"B\"}]}, \"answerKey\": \"A\"}\n"
            + "{\"question\": {\"stem\": \"s\"}, \"answerKey\": \"A\"}\n");
    IOException e = assertThrows(IOException.class, () -> Task.arc_easy.read(arc));
    assertTrue(e.getMessage().startsWith(arc + ":2:"), e.getMessage());
    Path piqa = Files.writeString(dir.resolve("valid.jsonl"), "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}\n");
    Files.writeString(dir.resolve("valid-labels.lst"), "7\n");
    IOException label = assertThrows(IOException.class, () -> Task.piqa.read(piqa));
    assertTrue(label.getMessage().contains("valid-labels.lst:1: label must be 0 or 1"), label.getMessage());
    Path hella = Files.writeString(dir.resolve("h.txt"), "ctx\n9\na\nb\nc\nd\n");
    IOException gold = assertThrows(IOException.class, () -> Task.hellaswag.read(hella));
    assertTrue(gold.getMessage().contains("h.txt:2: gold index must be 0–3"), gold.getMessage());
  }
}
