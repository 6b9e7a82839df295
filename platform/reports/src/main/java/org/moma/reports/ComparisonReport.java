package org.moma.reports;

import org.moma.reports.internal.Charts;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code moma report RUN…}: one HTML page comparing runs side by side — loss per modality against
 * training FLOPs (paper Figures 3–4), a throughput table relative to the first run (Table 2), every
 * evaluator's results in one table (Tables 3–4) and each run's routing heat map.
 */
public final class ComparisonReport {
  private ComparisonReport() {}

  public static Path write(List<Path> runs, Path html) throws IOException {
    for (Path run : runs) {
      if (!Files.isRegularFile(run.resolve("metrics.jsonl"))) {
        throw new IOException(run + " is not a trained run (no metrics.jsonl)");
      }
    }
    Path dir = html.toAbsolutePath().getParent();
    String stem = html.getFileName().toString().replaceFirst("\\.html?$", "");
    Path files = Files.createDirectories(dir.resolve(stem + "-files"));
    List<String> names = new ArrayList<>();
    List<JsonNode> summaries = new ArrayList<>();
    List<JsonNode> evals = new ArrayList<>();
    Map<String, Map<String, double[][]>> curves = new LinkedHashMap<>();
    for (String[] c : new String[][] {{"loss", "all tokens"}, {"lossText", "text"}, {"lossImage", "image"}}) {
      curves.put(c[0], new LinkedHashMap<>());
    }
    for (Path run : runs) {
      JsonNode summary = read(run.resolve("summary.json"));
      String name = summary.path("name").asText(run.getFileName().toString());
      while (names.contains(name)) {
        name = name + "'";
      }
      names.add(name);
      summaries.add(summary);
      evals.add(read(run.resolve("eval/results.json")));
      List<JsonNode> metrics = RunReport.metrics(run);
      double[] flops = metrics.stream().mapToDouble(m -> m.path("cumulativeFlops").asDouble()).toArray();
      for (String key : curves.keySet()) {
        curves.get(key).put(name, new double[][] {flops, metrics.stream().mapToDouble(m -> m.path(key).asDouble(Double.NaN)).toArray()});
      }
    }
    StringBuilder body = new StringBuilder();
    body.append("<h1>MoMa runs compared</h1>\n<p>").append(RunReport.escape(String.join(", ", names))).append("</p>\n");
    body.append("<h2>Loss against training FLOPs</h2>\n");
    for (Map.Entry<String, Map<String, double[][]>> e : curves.entrySet()) {
      String png = e.getKey() + ".png";
      String title = switch (e.getKey()) {
        case "lossText" -> "Text loss";
        case "lossImage" -> "Image loss";
        default -> "Loss, all tokens";
      };
      Charts.lines(files.resolve(png), title, "training FLOPs", "cross-entropy (nats)", e.getValue());
      body.append("<img src=\"").append(stem).append("-files/").append(png).append("\" width=\"900\" alt=\"").append(title).append("\">\n");
    }
    body.append("<h2>Training (Table 2 style: tokens/s relative to the first run)</h2>\n<table><tr><th></th>");
    names.forEach(n -> body.append("<th>").append(RunReport.escape(n)).append("</th>"));
    body.append("</tr>\n");
    double first = summaries.get(0).path("tokensPerSecond").asDouble();
    row(body, "final loss", summaries, s -> RunReport.format(s.path("finalLoss")));
    row(body, "parameters", summaries, s -> s.path("parameters").asText());
    row(body, "training FLOPs/token", summaries, s -> RunReport.format(s.path("trainingFlopsPerToken")));
    row(body, "tokens/s", summaries, s -> String.format(Locale.ROOT, "%.0f", s.path("tokensPerSecond").asDouble()));
    row(body, "vs first", summaries, s -> String.format(Locale.ROOT, "%+.0f%%", 100 * (s.path("tokensPerSecond").asDouble() / first - 1)));
    body.append("</table>\n");
    Set<String> keys = new LinkedHashSet<>();
    for (JsonNode e : evals) {
      for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> evaluator = it.next();
        evaluator.getValue().fieldNames().forEachRemaining(k -> keys.add(evaluator.getKey() + " / " + k));
      }
    }
    if (!keys.isEmpty()) {
      body.append("<h2>Evaluations (Tables 3–4)</h2>\n<table><tr><th></th>");
      names.forEach(n -> body.append("<th>").append(RunReport.escape(n)).append("</th>"));
      body.append("</tr>\n");
      for (String key : keys) {
        String[] parts = key.split(" / ", 2);
        row(body, key, evals, e -> e.has(parts[0]) && e.get(parts[0]).has(parts[1]) ? RunReport.format(e.get(parts[0]).get(parts[1])) : "");
      }
      body.append("</table>\n");
    }
    for (int i = 0; i < runs.size(); i++) {
      Path heat = runs.get(i).resolve("eval/routing/routing.png");
      if (Files.isRegularFile(heat)) {
        String png = "routing-" + i + ".png";
        Files.copy(heat, files.resolve(png), StandardCopyOption.REPLACE_EXISTING);
        body.append("<h3>Routing of ").append(RunReport.escape(names.get(i))).append("</h3>\n<img src=\"")
            .append(stem).append("-files/").append(png).append("\" alt=\"routing heat map\">\n");
      }
    }
    Files.writeString(html, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>MoMa runs compared</title>\n"
        + "<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}"
        + "table{border-collapse:collapse;margin:1em 0}th,td{padding:4px 12px;border-bottom:1px solid #ddd;text-align:right}"
        + "th:first-child,td:first-child{text-align:left}th{color:#555;font-weight:600}</style></head><body>\n"
        + body + "</body></html>\n");
    return html;
  }

  private static void row(StringBuilder body, String label, List<JsonNode> columns, java.util.function.Function<JsonNode, String> cell) {
    body.append("<tr><td>").append(RunReport.escape(label)).append("</td>");
    for (JsonNode c : columns) {
      body.append("<td>").append(RunReport.escape(cell.apply(c))).append("</td>");
    }
    body.append("</tr>\n");
  }

  private static JsonNode read(Path file) throws IOException {
    return Files.isRegularFile(file) ? RunReport.JSON.readTree(file.toFile()) : RunReport.JSON.createObjectNode();
  }
}
