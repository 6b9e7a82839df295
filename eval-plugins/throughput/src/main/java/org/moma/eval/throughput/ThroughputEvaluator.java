package org.moma.eval.throughput;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.eval.EvalContext;
import org.moma.api.eval.EvalResult;
import org.moma.api.eval.EvaluatorPlugin;
import org.osgi.service.component.annotations.Component;

/**
 * {@code throughput}: training tokens/s of the run as it trained on this machine (steady state from
 * its metrics) and inference tokens/s of its model measured now (forward over full context).
 */
@Component(service = EvaluatorPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=throughput")
public final class ThroughputEvaluator implements EvaluatorPlugin {
  private static final List<OptionSpec> OPTIONS = List.of(
      OptionSpec.integer("batch", 8, "sequences per inference batch"),
      OptionSpec.integer("repeats", 10, "timed inference batches"));

  @Override
  public String name() {
    return "throughput";
  }

  @Override
  public String description() {
    return "training tokens/s (from the run) and inference tokens/s (measured) on this machine";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public EvalResult evaluate(EvalContext context, Options options) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("trainingTokensPerSecond", trainingTokensPerSecond(context.runDirectory().resolve("metrics.jsonl")));
    int batch = options.getPositiveInt("batch");
    int t = context.model().dims().seqLen();
    int repeats = options.getPositiveInt("repeats");
    long elapsed = 0;
    for (int r = -2; r < repeats; r++) {
      try (NDManager scope = context.manager().newSubManager()) {
        NDArray tokens = scope.randomInteger(4, context.model().dims().vocabSize(), new Shape(batch, t), DataType.INT32);
        NDArray modality = scope.randomInteger(0, 2, new Shape(batch, t), DataType.INT32);
        long start = System.nanoTime();
        context.model().logits(scope, tokens, modality).sum().getFloat();
        if (r >= 0) {
          elapsed += System.nanoTime() - start;
        }
      }
    }
    m.put("inferenceTokensPerSecond", (double) repeats * batch * t / (elapsed / 1e9));
    m.put("contextLength", t);
    return new EvalResult(name(), m);
  }

  /** Mean tokens/s of the logged steps after the first two (allocator and kernel warm-up). */
  static double trainingTokensPerSecond(Path metrics) {
    try {
      List<String> lines = Files.readAllLines(metrics).stream().filter(l -> !l.isBlank()).toList();
      ObjectMapper json = new ObjectMapper();
      double sum = 0;
      int n = 0;
      for (int i = Math.min(2, lines.size() - 1); i < lines.size(); i++) {
        JsonNode step = json.readTree(lines.get(i));
        sum += step.get("tokensPerSecond").asDouble();
        n++;
      }
      return n == 0 ? Double.NaN : sum / n;
    } catch (IOException e) {
      throw new UncheckedIOException(metrics + ": " + e.getMessage(), e);
    }
  }
}
