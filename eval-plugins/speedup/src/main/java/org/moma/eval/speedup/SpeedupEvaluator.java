package org.moma.eval.speedup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.OptionType;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.eval.EvalContext;
import org.moma.api.eval.EvalResult;
import org.moma.api.eval.EvaluatorPlugin;
import org.osgi.service.component.annotations.Component;

/**
 * {@code speedup}: the speed-up factor η of paper §4.2: the sparse model reaches the loss of the
 * iso-FLOPs dense model with 1/η of the FLOPs. From two runs of equal length, η is the dense run's
 * total FLOPs divided by the FLOPs at which the sparse run's (smoothed) curve first reaches the
 * dense run's final (smoothed) loss. When the sparse run never gets that low, it is the slower one:
 * η is then the FLOPs the dense run needed for the sparse run's final loss divided by the sparse
 * run's total (η &lt; 1). Only if neither curve reaches the other's end is η a bound, and it says so.
 */
@Component(service = EvaluatorPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=speedup")
public final class SpeedupEvaluator implements EvaluatorPlugin {
  private static final List<OptionSpec> OPTIONS = List.of(
      new OptionSpec("dense", OptionType.STRING, null, "run folder of the dense baseline"),
      OptionSpec.integer("smoothing", 5, "moving-average window over steps"));
  private static final String[] CURVES = {"loss", "lossText", "lossImage"};

  @Override
  public String name() {
    return "speedup";
  }

  @Override
  public String description() {
    return "speed-up factor eta against a dense run, overall and per modality (paper 4.2)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public EvalResult evaluate(EvalContext context, Options options) {
    Path dense = Path.of(options.getString("dense"));
    if (!Files.isRegularFile(dense.resolve("metrics.jsonl"))) {
      throw new SpecException(options.path() + ".dense", dense + " has no metrics.jsonl: train the dense baseline with"
          + " 'moma run' (same data and seed) and give its run folder");
    }
    int window = options.getPositiveInt("smoothing");
    List<JsonNode> sparse = read(context.runDirectory().resolve("metrics.jsonl"));
    List<JsonNode> base = read(dense.resolve("metrics.jsonl"));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("dense", dense.toString());
    for (String curve : CURVES) {
      String key = curve.equals("loss") ? "eta" : "eta." + curve.substring(4).toLowerCase(java.util.Locale.ROOT);
      double[] sf = column(sparse, "cumulativeFlops");
      double[] sl = smooth(column(sparse, curve), window);
      double[] df = column(base, "cumulativeFlops");
      double[] dl = smooth(column(base, curve), window);
      m.putAll(eta(key, df, dl, sf, sl));
    }
    return new EvalResult(name(), m);
  }

  /** η and how it was found, for one curve; flops and smoothed losses of the dense and the sparse run. */
  static Map<String, Object> eta(String key, double[] denseFlops, double[] denseLoss, double[] sparseFlops, double[] sparseLoss) {
    Map<String, Object> m = new LinkedHashMap<>();
    double denseFinal = denseLoss[denseLoss.length - 1];
    double sparseFinal = sparseLoss[sparseLoss.length - 1];
    double denseTotal = denseFlops[denseFlops.length - 1];
    double sparseTotal = sparseFlops[sparseFlops.length - 1];
    m.put(key + ".denseLoss", denseFinal);
    m.put(key + ".sparseLoss", sparseFinal);
    double sparseNeeded = flopsToReach(sparseFlops, sparseLoss, denseFinal);
    if (!Double.isNaN(sparseNeeded)) {
      m.put(key, denseTotal / sparseNeeded); // the sparse run matched dense's final loss with fewer (or more) FLOPs
      return m;
    }
    double denseNeeded = flopsToReach(denseFlops, denseLoss, sparseFinal);
    if (!Double.isNaN(denseNeeded)) {
      m.put(key, denseNeeded / sparseTotal); // the sparse run is the slower one: η < 1
      return m;
    }
    m.put(key, denseTotal / sparseTotal);
    m.put(key + ".bound", "neither run reached the other's final loss: eta is only the ratio of their FLOPs");
    return m;
  }

  /** First FLOPs at which the (smoothed) curve reaches {@code target}, interpolated; NaN if never. */
  static double flopsToReach(double[] flops, double[] loss, double target) {
    if (loss[0] <= target) {
      return flops[0];
    }
    for (int i = 1; i < loss.length; i++) {
      if (loss[i] <= target) {
        double f = (loss[i - 1] - target) / (loss[i - 1] - loss[i]);
        return flops[i - 1] + f * (flops[i] - flops[i - 1]);
      }
    }
    return Double.NaN;
  }

  static double[] smooth(double[] values, int window) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      double sum = 0;
      int n = 0;
      for (int j = Math.max(0, i - window + 1); j <= i; j++) {
        if (Double.isFinite(values[j])) {
          sum += values[j];
          n++;
        }
      }
      out[i] = n == 0 ? Double.NaN : sum / n;
    }
    return out;
  }

  private static double[] column(List<JsonNode> rows, String field) {
    return rows.stream().mapToDouble(r -> r.path(field).asDouble(Double.NaN)).toArray();
  }

  private static List<JsonNode> read(Path file) {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> rows = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file)) {
        if (!line.isBlank()) {
          rows.add(json.readTree(line));
        }
      }
    } catch (IOException e) {
      throw new SpecException("", file + ": " + e.getMessage(), e);
    }
    if (rows.isEmpty()) {
      throw new SpecException("", file + ": no logged steps");
    }
    return rows;
  }
}
