package org.moma.reports;

import org.moma.reports.internal.Charts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a person opens after a run: {@code loss.png} (loss per modality against steps),
 * {@code loss_flops.png} (against training FLOPs) and {@code report.html} with the spec, the
 * summary and both plots. Charts are drawn with JFreeChart.
 */
public final class RunReport {
  static final ObjectMapper JSON = new ObjectMapper();

  private RunReport() {}

  public static Path write(Path run) throws IOException {
    List<JsonNode> metrics = metrics(run);
    Charts.lines(run.resolve("loss.png"), "Training loss", "step", "cross-entropy (nats)", curves(metrics, "step"));
    Charts.lines(run.resolve("loss_flops.png"), "Training loss against compute", "training FLOPs", "cross-entropy (nats)",
        curves(metrics, "cumulativeFlops"));
    Path html = run.resolve("report.html");
    Files.writeString(html, html(run, metrics));
    return html;
  }

  /** Loss of all tokens, text and image against a metrics field. */
  public static List<JsonNode> metrics(Path run) throws IOException {
    List<JsonNode> metrics = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      if (!line.isBlank()) {
        metrics.add(JSON.readTree(line));
      }
    }
    return metrics;
  }

  static Map<String, double[][]> curves(List<JsonNode> metrics, String xField) {
    Map<String, double[][]> series = new java.util.LinkedHashMap<>();
    double[] xs = metrics.stream().mapToDouble(m -> m.path(xField).asDouble()).toArray();
    for (String[] s : new String[][] {{"loss", "all tokens"}, {"lossText", "text"}, {"lossImage", "image"}}) {
      series.put(s[1], new double[][] {xs, metrics.stream().mapToDouble(m -> m.path(s[0]).asDouble(Double.NaN)).toArray()});
    }
    return series;
  }

  private static String html(Path run, List<JsonNode> metrics) throws IOException {
    JsonNode summary = Files.exists(run.resolve("summary.json")) ? JSON.readTree(run.resolve("summary.json").toFile()) : JSON.createObjectNode();
    String spec = Files.exists(run.resolve("spec.json")) ? Files.readString(run.resolve("spec.json")) : "{}";
    StringBuilder rows = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = summary.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      rows.append("<tr><th>").append(escape(e.getKey())).append("</th><td>").append(escape(format(e.getValue()))).append("</td></tr>\n");
    }
    JsonNode last = metrics.isEmpty() ? JSON.createObjectNode() : metrics.get(metrics.size() - 1);
    return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(summary.path("name").asText(run.getFileName().toString()))
        + " — MoMa run</title>\n<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}"
        + "table{border-collapse:collapse}th,td{padding:4px 12px;border-bottom:1px solid #ddd;text-align:left}"
        + "th{color:#555;font-weight:600}pre{background:#f6f6f6;padding:1em;overflow:auto}.big{font-size:1.6em}</style></head><body>\n"
        + "<h1>Run " + escape(summary.path("name").asText("")) + "</h1>\n"
        + "<p class=\"big\">final loss " + String.format(Locale.ROOT, "%.4f", last.path("loss").asDouble(Double.NaN))
        + " &middot; text " + String.format(Locale.ROOT, "%.4f", last.path("lossText").asDouble(Double.NaN))
        + " &middot; image " + String.format(Locale.ROOT, "%.4f", last.path("lossImage").asDouble(Double.NaN)) + "</p>\n"
        + "<img src=\"loss.png\" alt=\"loss per modality against steps\" width=\"900\">\n"
        + "<img src=\"loss_flops.png\" alt=\"loss per modality against training FLOPs\" width=\"900\">\n"
        + evaluation(run)
        + "<h2>Summary</h2>\n<table>\n" + rows + "</table>\n"
        + "<h2>Spec</h2>\n<pre>" + escape(spec) + "</pre>\n"
        + "<p>Per-step metrics: <a href=\"metrics.jsonl\">metrics.jsonl</a></p>\n</body></html>\n";
  }

  /** The evaluations recorded in {@code eval/results.json}, with the pictures evaluators drew (routing heat maps). */
  private static String evaluation(Path run) throws IOException {
    Path results = run.resolve("eval/results.json");
    if (!Files.isRegularFile(results)) {
      return "";
    }
    StringBuilder html = new StringBuilder("<h2>Evaluation</h2>\n");
    JsonNode all = JSON.readTree(results.toFile());
    for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> evaluator = it.next();
      html.append("<h3>").append(escape(evaluator.getKey())).append("</h3>\n<table>\n");
      for (Iterator<Map.Entry<String, JsonNode>> m = evaluator.getValue().fields(); m.hasNext(); ) {
        Map.Entry<String, JsonNode> e = m.next();
        html.append("<tr><th>").append(escape(e.getKey())).append("</th><td>").append(escape(format(e.getValue()))).append("</td></tr>\n");
      }
      html.append("</table>\n");
      Path pictures = run.resolve("eval").resolve(evaluator.getKey());
      if (Files.isDirectory(pictures)) {
        try (java.util.stream.Stream<Path> files = Files.list(pictures)) {
          for (Path png : files.filter(f -> f.toString().endsWith(".png")).sorted().toList()) {
            String src = run.relativize(png).toString().replace('\\', '/');
            html.append("<img src=\"").append(escape(src)).append("\" alt=\"").append(escape(evaluator.getKey())).append("\" width=\"900\">\n");
          }
        }
      }
    }
    return html.toString();
  }

  static String format(JsonNode v) {
    if (v.isFloatingPointNumber()) {
      double d = v.asDouble();
      return Math.abs(d) >= 1e5 || (Math.abs(d) < 1e-3 && d != 0) ? String.format(Locale.ROOT, "%.4g", d) : String.format(Locale.ROOT, "%.4f", d);
    }
    if (v.isArray()) {
      java.util.List<String> parts = new java.util.ArrayList<>();
      v.forEach(x -> parts.add(format(x)));
      return String.join(" ", parts);
    }
    return v.isTextual() ? v.asText() : v.toString();
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
