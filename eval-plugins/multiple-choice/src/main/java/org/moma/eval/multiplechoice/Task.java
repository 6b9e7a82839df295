package org.moma.eval.multiplechoice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
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
      Path data = file(root);
      Path labelFile = sibling(data, "valid-labels.lst");
      List<String> labels = lines(labelFile);
      List<Item> items = new ArrayList<>();
      for (Line l : jsonLines(data)) {
        items.add(new Item(l.text("goal"), List.of(" " + l.text("sol1"), " " + l.text("sol2")),
            label(labelFile, labels, items.size(), 0, 1)));
      }
      return checkCount(items, labels, labelFile);
    }
  },
  /** The v1.4 file with its letter field {@code correct}, or AI2's release: {@code dev.jsonl} with labels 1–3 in {@code dev-labels.lst}. */
  siqa("siqa/socialIQa_v1.4_dev.jsonl", "siqa/dev.jsonl") {
    @Override
    List<Item> read(Path root) throws IOException {
      Path data = file(root);
      boolean letters = data.getFileName().toString().startsWith("socialIQa");
      Path labelFile = letters ? null : sibling(data, "dev-labels.lst");
      List<String> labels = letters ? null : lines(labelFile);
      List<Item> items = new ArrayList<>();
      for (Line l : jsonLines(data)) {
        int answer;
        if (letters) {
          String correct = l.text("correct");
          answer = correct.length() == 1 ? "ABC".indexOf(correct) : -1;
          if (answer < 0) {
            throw l.error("'correct' must be A, B or C, found '" + correct + "'");
          }
        } else {
          answer = label(labelFile, labels, items.size(), 1, 3) - 1;
        }
        items.add(new Item(l.text("context") + " " + l.text("question"),
            List.of(" " + l.text("answerA"), " " + l.text("answerB"), " " + l.text("answerC")), answer));
      }
      return letters ? items : checkCount(items, labels, labelFile);
    }
  },
  /** The authors' JSONL release ({@code ctx}, {@code endings}, {@code label}) or its 6-line text rendering. */
  hellaswag("hellaswag/hellaswag_val.jsonl", "hellaswag/hellaswag_val_full.txt.bz2", "hellaswag/hellaswag_val_full.txt") {
    @Override
    List<Item> read(Path root) throws IOException {
      Path data = file(root);
      return data.getFileName().toString().endsWith(".jsonl") ? hellaswagJsonl(data) : hellaswagText(data);
    }
  },
  winogrande("winogrande/dev.jsonl") {
    @Override
    List<Item> read(Path root) throws IOException {
      Path data = file(root);
      Path labelFile = sibling(data, "dev-labels.lst");
      List<String> labels = lines(labelFile);
      List<Item> items = new ArrayList<>();
      for (Line l : jsonLines(data)) {
        String sentence = l.text("sentence");
        int blank = sentence.indexOf('_');
        if (blank < 0) {
          throw l.error("the sentence has no '_' blank");
        }
        // the options fill the blank; the part after the blank is scored given each filled prefix
        String prefix = sentence.substring(0, blank);
        List<String> contexts = List.of(prefix + l.text("option1"), prefix + l.text("option2"));
        items.add(new Item(contexts, sentence.substring(blank + 1), label(labelFile, labels, items.size(), 1, 2) - 1));
      }
      return checkCount(items, labels, labelFile);
    }
  },
  arc_easy("arc/ARC-Easy-Dev.jsonl") {
    @Override
    List<Item> read(Path root) throws IOException {
      return arcFormat(file(root));
    }
  },
  arc_challenge("arc/ARC-Challenge-Dev.jsonl") {
    @Override
    List<Item> read(Path root) throws IOException {
      return arcFormat(file(root));
    }
  },
  openbookqa("openbookqa/test.jsonl") {
    @Override
    List<Item> read(Path root) throws IOException {
      return arcFormat(file(root));
    }
  },
  boolq("boolq/dev.jsonl") {
    @Override
    List<Item> read(Path root) throws IOException {
      List<Item> items = new ArrayList<>();
      for (Line l : jsonLines(file(root))) {
        JsonNode answer = l.json().get("answer");
        if (answer == null || !answer.isBoolean()) {
          throw l.error("'answer' must be true or false");
        }
        items.add(new Item(l.text("passage") + "\nquestion: " + l.text("question") + "?\nanswer:",
            List.of(" no", " yes"), answer.booleanValue() ? 1 : 0));
      }
      return items;
    }
  };

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where the task's file may sit under a benchmarks folder, the first found is read. */
  final List<String> files;

  Task(String... files) {
    this.files = List.of(files);
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
   * @param path the task's data file, or a benchmarks folder holding it at one of {@link #files}
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

  /** The task's data file: {@code path} itself, or the first of {@link #files} found under the folder {@code path}. */
  Path file(Path path) throws IOException {
    if (!Files.isDirectory(path)) {
      if (!Files.isRegularFile(path)) {
        throw new IOException(path + ": " + label() + " file not found");
      }
      return path;
    }
    for (String f : files) {
      // either the layout above (piqa/valid.jsonl) or the file directly in the folder given
      for (Path candidate : List.of(path.resolve(f), path.resolve(Path.of(f).getFileName()))) {
        if (Files.isRegularFile(candidate)) {
          return candidate;
        }
      }
    }
    throw new IOException(path + ": no " + label() + " file (looked for " + String.join(", ", files) + ")");
  }

  static Path sibling(Path data, String name) throws IOException {
    Path f = data.resolveSibling(name);
    if (!Files.isRegularFile(f)) {
      throw new IOException(f + ": label file not found next to " + data.getFileName());
    }
    return f;
  }

  /** One JSON object of a JSONL file, with its line number for errors. */
  record Line(Path file, int number, JsonNode json) {
    String text(String field) throws IOException {
      JsonNode v = json.get(field);
      if (v == null || !v.isTextual()) {
        throw error("missing text field '" + field + "'");
      }
      return v.asText();
    }

    IOException error(String what) {
      return new IOException(file + ":" + number + ": " + what);
    }
  }

  /** The lines of a UTF-8 text file (bz2-compressed when its name ends in .bz2), trailing blank lines dropped. */
  static List<String> lines(Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.getFileName().toString().endsWith(".bz2") ? new BZip2CompressorInputStream(raw) : raw;
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)))) {
      for (String line; (line = reader.readLine()) != null; ) {
        lines.add(line);
      }
    } catch (CharacterCodingException e) {
      throw new IOException(file + ":" + (lines.size() + 1) + ": not UTF-8 text");
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
        throw e;
      }
      throw new IOException(file + ": cannot be read: " + e.getMessage(), e);
    }
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
      lines.remove(lines.size() - 1);
    }
    return lines;
  }

  /** Every non-blank line of a JSONL file as a JSON object; line numbers count blank lines too. */
  static List<Line> jsonLines(Path file) throws IOException {
    List<String> text = lines(file);
    List<Line> out = new ArrayList<>();
    for (int i = 0; i < text.size(); i++) {
      if (text.get(i).isBlank()) {
        continue;
      }
      JsonNode j;
      try {
        j = JSON.readTree(text.get(i));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IOException(file + ":" + (i + 1) + ": not valid JSON: " + e.getOriginalMessage());
      }
      if (!j.isObject()) {
        throw new IOException(file + ":" + (i + 1) + ": expected a JSON object");
      }
      out.add(new Line(file, i + 1, j));
    }
    if (out.isEmpty()) {
      throw new IOException(file + ": holds no items");
    }
    return out;
  }

  /** The label of item {@code index} from a one-label-per-line file. */
  static int label(Path file, List<String> labels, int index, int min, int max) throws IOException {
    if (index >= labels.size()) {
      throw new IOException(file + ": has " + labels.size() + " labels, fewer than the items");
    }
    String raw = labels.get(index).trim();
    try {
      int v = Integer.parseInt(raw);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below with the line
    }
    String allowed = max == min + 1 ? min + " or " + max : min + "–" + max;
    throw new IOException(file + ":" + (index + 1) + ": label must be " + allowed + ", found '" + raw + "'");
  }

  static List<Item> checkCount(List<Item> items, List<String> labels, Path labelFile) throws IOException {
    if (items.size() != labels.size()) {
      throw new IOException(labelFile + ": " + labels.size() + " labels but " + items.size() + " items");
    }
    return items;
  }

  /** ARC and OpenBookQA: {@code question.stem}, 3 to 5 {@code question.choices} labelled A–E or 1–5, {@code answerKey}. */
  static List<Item> arcFormat(Path data) throws IOException {
    List<Item> items = new ArrayList<>();
    for (Line l : jsonLines(data)) {
      JsonNode q = l.json().get("question");
      if (q == null || !q.isObject()) {
        throw l.error("missing object 'question'");
      }
      Line question = new Line(l.file(), l.number(), q);
      String stem = question.text("stem");
      JsonNode choices = q.get("choices");
      if (choices == null || !choices.isArray() || choices.size() < 2) {
        throw l.error("'question.choices' must list at least two choices");
      }
      String key = l.text("answerKey").trim();
      List<String> candidates = new ArrayList<>();
      List<String> labels = new ArrayList<>();
      for (JsonNode c : choices) {
        Line choice = new Line(l.file(), l.number(), c);
        candidates.add(" " + choice.text("text"));
        labels.add(choice.text("label").trim());
      }
      int answer = labels.indexOf(key);
      if (answer < 0) {
        // a few ARC items give the key as a digit while the labels are letters, or the other way round
        answer = labels.indexOf(alternateLabel(key));
      }
      if (answer < 0) {
        throw l.error("answerKey '" + key + "' is not among the choice labels " + labels);
      }
      items.add(new Item("Question: " + stem + "\nAnswer:", candidates, answer));
    }
    return items;
  }

  /** 1–5 for A–E and back; anything else unchanged. */
  static String alternateLabel(String key) {
    if (key.length() == 1 && key.charAt(0) >= '1' && key.charAt(0) <= '5') {
      return String.valueOf((char) ('A' + key.charAt(0) - '1'));
    }
    if (key.length() == 1 && key.charAt(0) >= 'A' && key.charAt(0) <= 'E') {
      return String.valueOf((char) ('1' + key.charAt(0) - 'A'));
    }
    return key;
  }

  /** HellaSwag as rendered in 6 lines per item: context, gold index 0–3, four endings. */
  static List<Item> hellaswagText(Path data) throws IOException {
    List<String> lines = lines(data);
    if (lines.isEmpty() || lines.size() % 6 != 0) {
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

  /**
   * HellaSwag as the authors release it: {@code activity_label}, {@code ctx}, four {@code endings},
   * {@code label}. The context reads "activity: ctx", cleaned as lm-eval-harness does.
   */
  static List<Item> hellaswagJsonl(Path data) throws IOException {
    List<Item> items = new ArrayList<>();
    for (Line l : jsonLines(data)) {
      JsonNode endings = l.json().get("endings");
      if (endings == null || !endings.isArray() || endings.size() != 4) {
        throw l.error("'endings' must list four endings");
      }
      JsonNode label = l.json().get("label");
      int gold = label == null ? -1 : label.isInt() ? label.asInt() : label.isTextual() && label.asText().matches("[0-3]") ? Integer.parseInt(label.asText()) : -1;
      if (gold < 0 || gold > 3) {
        throw l.error("'label' must be 0–3, found " + label);
      }
      List<String> candidates = new ArrayList<>();
      for (JsonNode e : endings) {
        if (!e.isTextual()) {
          throw l.error("'endings' must be text");
        }
        candidates.add(" " + clean(e.asText()));
      }
      items.add(new Item(clean(l.text("activity_label") + ": " + l.text("ctx")), candidates, gold));
    }
    return items;
  }

  /** WikiHow markup removed as lm-eval-harness does: " [title]" becomes ". ", other [tags] go. */
  static String clean(String text) {
    return text.trim().replace(" [title]", ". ").replaceAll("\\[.*?\\]", "").replace("  ", " ");
  }
}
