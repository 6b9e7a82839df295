package org.moma.eval.multiplechoice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * The paper's Table 4 tasks, each read from its original file format. A line that does not fit the
 * format is an error naming the file and the line.
 */
public enum Task {
  piqa("piqa/valid.jsonl") {
    @Override
    List<Item> read(Path root) throws IOException {
      Path data = file(root, "valid.jsonl");
      List<String> labels = nonBlank(sibling(data, "valid-labels.lst"));
      List<Item> items = new ArrayList<>();
      int n = 0;
      for (String line : nonBlank(data)) {
        JsonNode j = json(data, n + 1, line);
        items.add(new Item(text(j, "goal", data, n + 1), List.of(" " + text(j, "sol1", data, n + 1), " " + text(j, "sol2", data, n + 1)),
            label(sibling(data, "valid-labels.lst"), n + 1, labels, n, 0, 1)));
        n++;
      }
      return checkCount(items, labels.size(), data);
    }
  },
  siqa("siqa/socialIQa_v1.4_dev.jsonl") {
    @Override
    List<Item> read(Path root) throws IOException {
      Path data = file(root, "socialIQa_v1.4_dev.jsonl");
      List<Item> items = new ArrayList<>();
      int n = 0;
      for (String line : nonBlank(data)) {
        n++;
        JsonNode j = json(data, n, line);
        String correct = text(j, "correct", data, n);
        int answer = "ABC".indexOf(correct);
        if (correct.length() != 1 || answer < 0) {
          throw new IOException(data + ":" + n + ": 'correct' must be A, B or C, found '" + correct + "'");
        }
        items.add(new Item(text(j, "context", data, n) + " " + text(j, "question", data, n),
            List.of(" " + text(j, "answerA", data, n), " " + text(j, "answerB", data, n), " " + text(j, "answerC", data, n)), answer));
      }
      return items;
    }
  },
  hellaswag("hellaswag/hellaswag_val_full.txt.bz2") {
    @Override
    List<Item> read(Path root) throws IOException {
      Path data = file(root, "hellaswag_val_full.txt.bz2");
      List<String> lines = new ArrayList<>();
      try (BufferedReader in = new BufferedReader(new InputStreamReader(
          data.toString().endsWith(".bz2") ? new BZip2CompressorInputStream(Files.newInputStream(data)) : Files.newInputStream(data),
          StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          lines.add(line);
        }
      }
      while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
        lines.remove(lines.size() - 1);
      }
      if (lines.size() % 6 != 0) {
        throw new IOException(data + ": " + lines.size() + " lines is not a whole number of 6-line items");
      }
      List<Item> items = new ArrayList<>();
      for (int i = 0; i < lines.size(); i += 6) {
        int gold;
        try {
          gold = Integer.parseInt(lines.get(i + 1).trim());
        } catch (NumberFormatException e) {
          throw new IOException(data + ":" + (i + 2) + ": expected the gold ending index, found '" + lines.get(i + 1) + "'");
        }
        if (gold < 0 || gold > 3) {
          throw new IOException(data + ":" + (i + 2) + ": gold index must be 0–3, found " + gold);
        }
        items.add(new Item(lines.get(i), List.of(" " + lines.get(i + 2), " " + lines.get(i + 3), " " + lines.get(i + 4), " " + lines.get(i + 5)), gold));
      }
      return items;
    }
  },
  winogrande("winogrande/dev.jsonl") {
    @Override
    List<Item> read(Path root) throws IOException {
      Path data = file(root, "dev.jsonl");
      Path labelFile = sibling(data, "dev-labels.lst");
      List<String> labels = nonBlank(labelFile);
      List<Item> items = new ArrayList<>();
      int n = 0;
      for (String line : nonBlank(data)) {
        JsonNode j = json(data, n + 1, line);
        String sentence = text(j, "sentence", data, n + 1);
        int blank = sentence.indexOf('_');
        if (blank < 0) {
          throw new IOException(data + ":" + (n + 1) + ": the sentence has no '_' blank");
        }
        // the options fill the blank; the part after the blank is scored given each filled prefix
        String prefix = sentence.substring(0, blank);
        String suffix = sentence.substring(blank + 1);
        List<String> contexts = List.of(prefix + text(j, "option1", data, n + 1), prefix + text(j, "option2", data, n + 1));
        items.add(new Item(contexts, suffix, label(labelFile, n + 1, labels, n, 1, 2) - 1));
        n++;
      }
      return checkCount(items, labels.size(), data);
    }
  },
  arc_easy("arc/ARC-Easy-Dev.jsonl") {
    @Override
    List<Item> read(Path root) throws IOException {
      return arcFormat(file(root, "ARC-Easy-Dev.jsonl"));
    }
  },
  arc_challenge("arc/ARC-Challenge-Dev.jsonl") {
    @Override
    List<Item> read(Path root) throws IOException {
      return arcFormat(file(root, "ARC-Challenge-Dev.jsonl"));
    }
  },
  openbookqa("openbookqa/test.jsonl") {
    @Override
    List<Item> read(Path root) throws IOException {
      return arcFormat(file(root, "test.jsonl"));
    }
  },
  boolq("boolq/dev.jsonl") {
    @Override
    List<Item> read(Path root) throws IOException {
      Path data = file(root, "dev.jsonl");
      List<Item> items = new ArrayList<>();
      int n = 0;
      for (String line : nonBlank(data)) {
        n++;
        JsonNode j = json(data, n, line);
        JsonNode answer = j.get("answer");
        if (answer == null || !answer.isBoolean()) {
          throw new IOException(data + ":" + n + ": 'answer' must be true or false");
        }
        items.add(new Item(text(j, "passage", data, n) + "\nquestion: " + text(j, "question", data, n) + "?\nanswer:",
            List.of(" no", " yes"), answer.booleanValue() ? 1 : 0));
      }
      return items;
    }
  };

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where the task's file sits under a benchmarks folder laid out like {@code shared/benchmarks}. */
  final String defaultFile;

  Task(String defaultFile) {
    this.defaultFile = defaultFile;
  }

  /** The CLI/spec name: {@code arc-easy} for {@code arc_easy}. */
  public String label() {
    return name().replace('_', '-');
  }

  public static Task of(String label) {
    for (Task t : values()) {
      if (t.label().equals(label.toLowerCase(Locale.ROOT))) {
        return t;
      }
    }
    throw new IllegalArgumentException(label);
  }

  /**
   * Reads the items.
   *
   * @param path the task's data file, or a benchmarks folder holding it at {@link #defaultFile}
   */
  abstract List<Item> read(Path path) throws IOException;

  /** One question: either one context and several candidate continuations, or several contexts and one continuation. */
  record Item(List<String> contexts, List<String> continuations, int answer) {
    Item(String context, List<String> candidates, int answer) {
      this(java.util.Collections.nCopies(candidates.size(), context), candidates, answer);
    }

    Item(List<String> contexts, String continuation, int answer) {
      this(contexts, java.util.Collections.nCopies(contexts.size(), continuation), answer);
    }

    int choices() {
      return contexts.size();
    }
  }

  Path file(Path path, String name) throws IOException {
    Path f = Files.isDirectory(path) ? (Files.isRegularFile(path.resolve(name)) ? path.resolve(name) : path.resolve(defaultFile)) : path;
    if (!Files.isRegularFile(f)) {
      throw new IOException(f + ": " + label() + " file not found");
    }
    return f;
  }

  static Path sibling(Path data, String name) throws IOException {
    Path f = data.resolveSibling(name);
    if (!Files.isRegularFile(f)) {
      throw new IOException(f + ": label file not found next to " + data.getFileName());
    }
    return f;
  }

  static List<String> nonBlank(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
  }

  static JsonNode json(Path file, int line, String text) throws IOException {
    try {
      return JSON.readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(file + ":" + line + ": not valid JSON: " + e.getOriginalMessage());
    }
  }

  static String text(JsonNode j, String field, Path file, int line) throws IOException {
    JsonNode v = j.get(field);
    if (v == null || !v.isTextual()) {
      throw new IOException(file + ":" + line + ": missing text field '" + field + "'");
    }
    return v.asText();
  }

  static int label(Path file, int line, List<String> labels, int index, int min, int max) throws IOException {
    if (index >= labels.size()) {
      throw new IOException(file + ": has " + labels.size() + " labels, fewer than the items");
    }
    try {
      int v = Integer.parseInt(labels.get(index).trim());
      if (v < min || v > max) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IOException(file + ":" + line + ": label must be " + min + " or " + max + ", found '" + labels.get(index) + "'");
    }
  }

  static List<Item> checkCount(List<Item> items, int labels, Path data) throws IOException {
    if (items.size() != labels) {
      throw new IOException(data + ": " + items.size() + " items but " + labels + " labels");
    }
    return items;
  }

  static List<Item> arcFormat(Path data) throws IOException {
    List<Item> items = new ArrayList<>();
    int n = 0;
    for (String line : nonBlank(data)) {
      n++;
      JsonNode j = json(data, n, line);
      JsonNode q = j.get("question");
      if (q == null || !q.isObject()) {
        throw new IOException(data + ":" + n + ": missing object 'question'");
      }
      String stem = text(q, "stem", data, n);
      JsonNode choices = q.get("choices");
      if (choices == null || !choices.isArray() || choices.size() < 2) {
        throw new IOException(data + ":" + n + ": 'question.choices' must list at least two choices");
      }
      String key = text(j, "answerKey", data, n);
      List<String> candidates = new ArrayList<>();
      int answer = -1;
      for (int c = 0; c < choices.size(); c++) {
        candidates.add(" " + text(choices.get(c), "text", data, n));
        if (key.equals(choices.get(c).path("label").asText())) {
          answer = c;
        }
      }
      if (answer < 0) {
        throw new IOException(data + ":" + n + ": answerKey '" + key + "' is not among the choice labels");
      }
      items.add(new Item("Question: " + stem + "\nAnswer:", candidates, answer));
    }
    return items;
  }
}
