package org.moma.eval.multiplechoice;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.OptionType;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.data.TokenizedDocument;
import org.moma.api.data.Tokenizer;
import org.moma.api.eval.EvalContext;
import org.moma.api.eval.EvalResult;
import org.moma.api.eval.EvaluatorPlugin;
import org.moma.api.eval.InputCheck;
import org.moma.api.eval.Scoring;
import org.osgi.service.component.annotations.Component;

/**
 * {@code multiple-choice}: the commonsense tasks of the paper's Table 4 in their original formats.
 * Each candidate is scored by the log-likelihood of its continuation given the context; the
 * prediction is the best candidate by total log-likelihood ({@code accuracy}), by log-likelihood
 * per token ({@code accuracyNormalized}) and per byte of the continuation
 * ({@code accuracyNormalizedBytes}, lm-eval-harness's acc_norm).
 */
@Component(service = EvaluatorPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=multiple-choice")
public final class MultipleChoiceEvaluator implements EvaluatorPlugin {
  private static final List<OptionSpec> OPTIONS = List.of(
      OptionSpec.string("task", "all",
          "piqa, siqa, hellaswag, winogrande, arc-easy, arc-challenge, openbookqa, boolq, or all of them"),
      new OptionSpec("path", OptionType.STRING, null,
          "the task's file, or a benchmarks folder (piqa/valid.jsonl, arc/ARC-Easy-Dev.jsonl, … as in README)"),
      OptionSpec.integer("limit", 0, "items evaluated per task (the first ones); 0 = all"));

  @Override
  public String name() {
    return "multiple-choice";
  }

  @Override
  public String description() {
    return "Table 4 commonsense tasks from their original files: accuracy and length-normalised accuracy";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  /** The tasks the options name: one, or every task for {@code all}. */
  static List<Task> tasks(Options options) {
    if ("all".equals(options.getString("task"))) {
      return List.of(Task.values());
    }
    try {
      return List.of(Task.of(options.getString("task")));
    } catch (IllegalArgumentException e) {
      throw new SpecException(options.path() + ".task", "unknown task '" + options.getString("task") + "' (tasks: "
          + String.join(", ", Arrays.stream(Task.values()).map(Task::label).toList()) + ")");
    }
  }

  static List<Task.Item> items(Task task, Options options) {
    try {
      List<Task.Item> items = task.read(Path.of(options.getString("path")));
      int limit = options.getInt("limit");
      return limit > 0 && limit < items.size() ? items.subList(0, limit) : items;
    } catch (IOException e) {
      throw new SpecException(options.path() + ".path", e.getMessage(), e);
    }
  }

  @Override
  public List<InputCheck> checkInputs(Options options) {
    List<InputCheck> checks = new ArrayList<>();
    Path path = Path.of(options.getString("path"));
    for (Task task : tasks(options)) {
      try {
        Path file = task.file(path);
        checks.add(new InputCheck(task.label(), true, task.read(path).size() + " items in " + file));
      } catch (IOException e) {
        checks.add(new InputCheck(task.label(), false, e.getMessage()));
      }
    }
    return checks;
  }

  @Override
  public EvalResult evaluate(EvalContext context, Options options) {
    List<Task> tasks = tasks(options);
    if (tasks.size() == 1) {
      return new EvalResult(name() + ":" + tasks.get(0).label(), evaluate(context, tasks.get(0), options));
    }
    // every task: read them all first, so that a missing file fails before hours of scoring
    tasks.forEach(t -> items(t, options));
    Map<String, Object> m = new LinkedHashMap<>();
    for (Task task : tasks) {
      for (Map.Entry<String, Object> e : evaluate(context, task, options).entrySet()) {
        if (e.getKey().equals("causal")) {
          m.put("causal", e.getValue());
        } else if (!e.getKey().equals("task")) {
          m.put(task.label() + "." + e.getKey(), e.getValue());
        }
      }
    }
    return new EvalResult(name(), m);
  }

  private Map<String, Object> evaluate(EvalContext context, Task task, Options options) {
    List<Task.Item> items = items(task, options);
    Tokenizer tokenizer = context.textTokenizer();
    List<TokenizedDocument> docs = new ArrayList<>();
    for (Task.Item item : items) {
      for (int c = 0; c < item.choices(); c++) {
        docs.add(document(tokenizer, item.contexts().get(c), item.continuations().get(c)));
      }
    }
    List<Scoring.Score> scores = Scoring.score(context.model(), context.manager(), docs,
        context.split("train").vocabulary(), 2, 16);
    int correct = 0;
    int correctNormalized = 0;
    int correctPerByte = 0;
    double chance = 0;
    int at = 0;
    for (Task.Item item : items) {
      int best = 0;
      int bestNormalized = 0;
      int bestPerByte = 0;
      for (int c = 0; c < item.choices(); c++) {
        Scoring.Score s = scores.get(at + c);
        if (s.logLikelihood() > scores.get(at + best).logLikelihood()) {
          best = c;
        }
        if (perToken(s) > perToken(scores.get(at + bestNormalized))) {
          bestNormalized = c;
        }
        if (perByte(s, item, c) > perByte(scores.get(at + bestPerByte), item, bestPerByte)) {
          bestPerByte = c;
        }
      }
      correct += best == item.answer() ? 1 : 0;
      correctNormalized += bestNormalized == item.answer() ? 1 : 0;
      correctPerByte += bestPerByte == item.answer() ? 1 : 0;
      chance += 1.0 / item.choices();
      at += item.choices();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("task", task.label());
    m.put("items", items.size());
    m.put("accuracy", (double) correct / items.size());
    m.put("accuracyNormalized", (double) correctNormalized / items.size());
    m.put("accuracyNormalizedBytes", (double) correctPerByte / items.size());
    m.put("chance", chance / items.size());
    m.put("causal", context.causal());
    return m;
  }

  private static double perToken(Scoring.Score s) {
    return s.tokens() == 0 ? Double.NEGATIVE_INFINITY : s.logLikelihood() / s.tokens();
  }

  /** Log-likelihood per UTF-8 byte of the scored continuation: lm-eval-harness's acc_norm, independent of the tokenizer. */
  static double perByte(Scoring.Score s, Task.Item item, int choice) {
    int bytes = item.continuations().get(choice).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    return bytes == 0 ? Double.NEGATIVE_INFINITY : s.logLikelihood() / bytes;
  }

  /** Context then continuation as one text document; only the continuation is scored. */
  static TokenizedDocument document(Tokenizer tokenizer, String context, String continuation) {
    int[] c = tokenizer.encode(context);
    int[] k = tokenizer.encode(continuation);
    int[] tokens = Arrays.copyOf(c, c.length + k.length);
    System.arraycopy(k, 0, tokens, c.length, k.length);
    return new TokenizedDocument(tokens, new byte[tokens.length], c.length);
  }
}
