package org.moma.eval.multiplechoice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moma.api.Options;
import org.moma.api.eval.InputCheck;

/**
 * Every task's parser on small files in its original format (src/test/resources/benchmarks, laid
 * out as a user's benchmarks folder), with each format's awkward cases and broken variants.
 */
class TaskFixturesTest {
  static Path resource(String name) {
    try {
      return Path.of(TaskFixturesTest.class.getResource("/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static final Path FIXTURES = resource("benchmarks");

  @Test
  void everyTaskReadsItsFixtureFolder() throws IOException {
    Map<Task, Integer> counts = Map.of(Task.piqa, 3, Task.siqa, 2, Task.hellaswag, 2, Task.winogrande, 2,
        Task.arc_easy, 3, Task.arc_challenge, 2, Task.openbookqa, 1, Task.boolq, 2);
    assertEquals(Task.values().length, counts.size());
    for (Map.Entry<Task, Integer> e : counts.entrySet()) {
      List<Task.Item> items = e.getKey().read(FIXTURES);
      assertEquals(e.getValue(), items.size(), e.getKey().label());
      for (Task.Item item : items) {
        assertEquals(item.contexts().size(), item.continuations().size());
        assertTrue(item.answer() >= 0 && item.answer() < item.choices(), e.getKey().label());
      }
    }
  }

  @Test
  void piqaAndWinograndeTakeTheirLabelsFromTheSeparateFile() throws IOException {
    List<Task.Item> piqa = Task.piqa.read(FIXTURES);
    assertEquals(List.of(0, 1, 0), piqa.stream().map(Task.Item::answer).toList());
    assertEquals(" store it in a bread box.", piqa.get(1).continuations().get(1));
    // WinoGrande: labels 1/2 become 0/1; each option fills the blank, the rest is scored
    List<Task.Item> wino = Task.winogrande.read(FIXTURES);
    assertEquals(List.of(1, 0), wino.stream().map(Task.Item::answer).toList());
    assertEquals(List.of("Sarah was a much better surgeon than Maria so Sarah",
        "Sarah was a much better surgeon than Maria so Maria"), wino.get(0).contexts());
    assertEquals(" always got the easier cases.", wino.get(0).continuations().get(1));
  }

  @Test
  void arcAndOpenBookQaTakeThreeToFiveChoicesLabelledByLetterOrDigit() throws IOException {
    List<Task.Item> easy = Task.arc_easy.read(FIXTURES);
    assertEquals(List.of(4, 3, 4), easy.stream().map(Task.Item::choices).toList());
    assertEquals(List.of(0, 1, 2), easy.stream().map(Task.Item::answer).toList());
    assertEquals(" Mercury", easy.get(2).continuations().get(2));
    assertEquals("Question: Which technology was developed most recently?\nAnswer:", easy.get(0).contexts().get(0));
    List<Task.Item> challenge = Task.arc_challenge.read(FIXTURES);
    assertEquals(5, challenge.get(0).choices());
    assertEquals(2, challenge.get(0).answer());
    assertEquals(1, challenge.get(1).answer(), "answerKey '2' with letter labels means B");
    assertEquals(1, Task.openbookqa.read(FIXTURES).get(0).answer());
  }

  @Test
  void siqaLettersBoolqBooleansAndHellaswagInBothForms() throws IOException {
    assertEquals(List.of(2, 0), Task.siqa.read(FIXTURES).stream().map(Task.Item::answer).toList());
    // AI2's release of the same items: dev.jsonl without 'correct', labels 1–3 in dev-labels.lst
    List<Task.Item> ai2 = Task.siqa.read(resource("siqa-ai2"));
    assertEquals(Task.siqa.read(FIXTURES), ai2);
    List<Task.Item> boolq = Task.boolq.read(FIXTURES);
    assertEquals(List.of(0, 1), boolq.stream().map(Task.Item::answer).toList());
    assertEquals(List.of(" no", " yes"), boolq.get(0).continuations());
    // the 6-line rendering, bz2-compressed
    Task.Item text = Task.hellaswag.read(FIXTURES).get(0);
    assertEquals("Roof shingle removal: A man is sitting on a roof. he", text.contexts().get(0));
    assertEquals(3, text.answer());
    assertEquals(" starts pulling up roofing on a roof.", text.continuations().get(3));
    // the authors' JSONL gives the same item, and its WikiHow markup is cleaned
    List<Task.Item> original = Task.hellaswag.read(resource("hellaswag-original"));
    assertEquals(text, original.get(0));
    assertEquals("Home and Garden: How to grow tomatoes. Pick a sunny spot.", original.get(1).contexts().get(0));
    assertEquals(" Tomatoes need six hours of sun Water them daily.", original.get(1).continuations().get(0));
    assertEquals(0, original.get(1).answer());
  }

  /** Each format's broken variant: the error names the file and the line. */
  @Test
  void brokenVariantsAreNamedWithFileAndLine(@TempDir Path dir) throws IOException {
    assertBroken(Task.piqa, write(dir, "piqa/valid.jsonl", "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}\n",
        "piqa/valid-labels.lst", "2\n"), "valid-labels.lst:1: label must be 0 or 1");
    assertBroken(Task.piqa, write(dir, "piqa2/valid.jsonl", "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}\n{\"goal\": \"g\"}\n",
        "piqa2/valid-labels.lst", "0\n1\n"), "valid.jsonl:2: missing text field 'sol1'");
    assertBroken(Task.piqa, write(dir, "piqa3/valid.jsonl", "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\"}\n",
        "piqa3/valid-labels.lst", "0\n1\n"), "valid-labels.lst: 2 labels but 1 items");
    assertBroken(Task.siqa, write(dir, "siqa/socialIQa_v1.4_dev.jsonl",
        "{\"context\": \"c\", \"question\": \"q\", \"answerA\": \"a\", \"answerB\": \"b\", \"answerC\": \"c\", \"correct\": \"D\"}\n"),
        "socialIQa_v1.4_dev.jsonl:1: 'correct' must be A, B or C");
    assertBroken(Task.siqa, write(dir, "siqa2/dev.jsonl",
        "{\"context\": \"c\", \"question\": \"q\", \"answerA\": \"a\", \"answerB\": \"b\", \"answerC\": \"c\"}\n",
        "siqa2/dev-labels.lst", "4\n"), "dev-labels.lst:1: label must be 1–3, found '4'");
    assertBroken(Task.winogrande, write(dir, "wino/dev.jsonl",
        "{\"sentence\": \"a _ b\", \"option1\": \"x\", \"option2\": \"y\"}\n{\"sentence\": \"no blank\", \"option1\": \"x\", \"option2\": \"y\"}\n",
        "wino/dev-labels.lst", "1\n2\n"), "dev.jsonl:2: the sentence has no '_' blank");
    assertBroken(Task.winogrande, write(dir, "wino2/dev.jsonl", "{\"sentence\": \"a _ b\", \"option1\": \"x\", \"option2\": \"y\"}\n",
        "wino2/dev-labels.lst", "0\n"), "dev-labels.lst:1: label must be 1 or 2");
    assertBroken(Task.arc_easy, write(dir, "arc/ARC-Easy-Dev.jsonl",
        "{\"question\": {\"stem\": \"s\", \"choices\": [{\"text\": \"a\", \"label\": \"A\"}, {\"text\": \"b\", \"label\": \"B\"}]}, \"answerKey\": \"A\"}\n"
            + "{\"question\": {\"stem\": \"s\"}, \"answerKey\": \"A\"}\n"), "ARC-Easy-Dev.jsonl:2: 'question.choices'");
    assertBroken(Task.openbookqa, write(dir, "obqa/test.jsonl",
        "{\"question\": {\"stem\": \"s\", \"choices\": [{\"text\": \"a\", \"label\": \"A\"}, {\"text\": \"b\", \"label\": \"B\"}]}, \"answerKey\": \"F\"}\n"),
        "test.jsonl:1: answerKey 'F' is not among the choice labels");
    assertBroken(Task.boolq, write(dir, "boolq/dev.jsonl",
        "{\"question\": \"q\", \"passage\": \"p\", \"answer\": true}\n{\"question\": \"q\", \"passage\": \"p\", \"answer\": \"yes\"}\n"),
        "dev.jsonl:2: 'answer' must be true or false");
    assertBroken(Task.arc_challenge, write(dir, "json/ARC-Challenge-Dev.jsonl", "{\"question\": \n"), "ARC-Challenge-Dev.jsonl:1: not valid JSON");
    Path bz2 = dir.resolve("hs/hellaswag_val_full.txt.bz2");
    Files.createDirectories(bz2.getParent());
    try (OutputStream out = new BZip2CompressorOutputStream(Files.newOutputStream(bz2))) {
      out.write("ctx\n1\na\nb\nc\nd\nctx\nfour\na\nb\nc\nd\n".getBytes(StandardCharsets.UTF_8));
    }
    assertBroken(Task.hellaswag, bz2, "hellaswag_val_full.txt.bz2:8: expected the gold ending index");
    assertBroken(Task.hellaswag, write(dir, "hs2/hellaswag_val_full.txt", "ctx\n1\na\nb\nc\n"), "5 lines is not a whole number of 6-line items");
    assertBroken(Task.hellaswag, write(dir, "hs3/hellaswag_val.jsonl",
        "{\"activity_label\": \"a\", \"ctx\": \"c\", \"endings\": [\"1\", \"2\", \"3\"], \"label\": 0}\n"), "hellaswag_val.jsonl:1: 'endings' must list four endings");
    Files.write(dir.resolve("json/binary.jsonl"), new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}', '\n'});
    assertBroken(Task.boolq, dir.resolve("json/binary.jsonl"), "binary.jsonl:1: not UTF-8 text");
    IOException missing = assertThrows(IOException.class, () -> Task.piqa.read(dir.resolve("hs")));
    assertTrue(missing.getMessage().contains("no piqa file (looked for piqa/valid.jsonl)"), missing.getMessage());
  }

  @Test
  void theFolderCheckCountsWhatIsThereAndNamesWhatIsNot(@TempDir Path dir) throws IOException {
    MultipleChoiceEvaluator evaluator = new MultipleChoiceEvaluator();
    List<InputCheck> all = evaluator.checkInputs(options(evaluator, "all", FIXTURES));
    assertEquals(Task.values().length, all.size());
    assertTrue(all.stream().allMatch(InputCheck::ok), all.toString());
    assertTrue(all.get(0).detail().startsWith("3 items in "), all.get(0).detail());

    write(dir, "boolq/dev.jsonl", "{\"question\": \"q\", \"passage\": \"p\", \"answer\": 1}\n");
    List<InputCheck> partial = evaluator.checkInputs(options(evaluator, "all", dir));
    InputCheck boolq = partial.stream().filter(c -> c.subject().equals("boolq")).findFirst().orElseThrow();
    assertFalse(boolq.ok());
    assertTrue(boolq.detail().contains("dev.jsonl:1: 'answer' must be true or false"), boolq.detail());
    InputCheck piqa = partial.get(0);
    assertFalse(piqa.ok());
    assertTrue(piqa.detail().contains("no piqa file"), piqa.detail());
    assertEquals(1, evaluator.checkInputs(options(evaluator, "siqa", FIXTURES)).size());
  }

  static Options options(MultipleChoiceEvaluator evaluator, String task, Path path) {
    var json = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("task", task).put("path", path.toString());
    return evaluator.parseOptions(json, "options");
  }

  static void assertBroken(Task task, Path file, String expected) {
    IOException e = assertThrows(IOException.class, () -> task.read(file), task.label() + " " + file);
    assertTrue(e.getMessage().startsWith(file.getParent().toString()), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  /** Writes name/content pairs under {@code dir}; returns the first file. */
  static Path write(Path dir, String... nameThenContent) throws IOException {
    Path first = null;
    for (int i = 0; i < nameThenContent.length; i += 2) {
      Path f = dir.resolve(nameThenContent[i]);
      Files.createDirectories(f.getParent());
      Files.writeString(f, nameThenContent[i + 1]);
      first = first == null ? f : first;
    }
    return first;
  }
}
