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
 * {@code speedup}: the speed-up factor η of paper §4.2. The sparse run's final loss (smoothed) is
 * located on the dense run's loss-versus-FLOPs curve by linear interpolation; η is the dense FLOPs
 * needed for that loss divided by the sparse FLOPs spent. When the dense run never gets that low,
 * η is reported as a lower bound and says so.
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
      double[] sf = column(sparse, "cumulativeFlops");
      double[] sl = smooth(column(sparse, curve), window);
      double[] df = column(base, "cumulativeFlops");
      double[] dl = smooth(column(base, curve), window);
      double target = sl[sl.length - 1];
      double spent = sf[sf.length - 1];
      double needed = flopsToReach(df, dl, target);
      String key = curve.equals("loss") ? "eta" : "eta." + curve.substring(4).toLowerCase(java.util.Locale.ROOT);
      if (Double.isNaN(needed)) {
        m.put(key, df[df.length - 1] / spent);
        m.put(key + ".extrapolated", "dense never reached " + String.format(java.util.Locale.ROOT, "%.4f", target)
            + ": eta is a lower bound");
      } else {
        m.put(key, needed / spent);
      }
      m.put(key + ".sparseLoss", target);
    }
    return new EvalResult(name(), m);
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
