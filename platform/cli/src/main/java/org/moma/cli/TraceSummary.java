package org.moma.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a libtorch Chrome trace of training steps says per step: how many operators the step
 * called (top level: from Java or from the backward's graph; each one a dispatch, on a GPU a host
 * cost whatever its size), how many ran in all (nested ones included), and each operator's self
 * time (its time less that of the operators it called).
 */
final class TraceSummary {
  /** One operator name's calls and self microseconds over the whole trace. */
  record Operator(String name, long calls, double selfMicros) {}

  final int steps;
  final long topLevel;
  final long all;
  final double selfMicros;
  final List<Operator> operators; // most self time first

  private TraceSummary(int steps, long topLevel, long all, List<Operator> operators) {
    this.steps = steps;
    this.topLevel = topLevel;
    this.all = all;
    this.operators = operators;
    this.selfMicros = operators.stream().mapToDouble(Operator::selfMicros).sum();
  }

  /** Reads a trace of {@code steps} steps (a JSON array of complete events, or an object with {@code traceEvents}). */
  static TraceSummary read(Path trace, int steps) throws IOException {
    JsonNode root = new ObjectMapper().readTree(trace.toFile());
    JsonNode events = root.isArray() ? root : root.path("traceEvents");
    if (!events.isArray()) {
      throw new IOException(trace + ": not a Chrome trace (no array of events)");
    }
    record Event(String name, double start, double end) {}
    Map<String, List<Event>> byThread = new HashMap<>();
    for (JsonNode e : events) {
      if ("X".equals(e.path("ph").asText()) && e.has("dur")) {
        double ts = e.path("ts").asDouble();
        byThread.computeIfAbsent(e.path("pid").asText() + "/" + e.path("tid").asText(), k -> new ArrayList<>())
            .add(new Event(e.path("name").asText(), ts, ts + e.path("dur").asDouble()));
      }
    }
    Map<String, double[]> totals = new LinkedHashMap<>(); // name → {calls, self µs}
    long topLevel = 0;
    long all = 0;
    for (List<Event> thread : byThread.values()) {
      // a caller starts no later and ends no earlier than what it calls: by start, the longer first
      thread.sort(Comparator.comparingDouble(Event::start).thenComparing(Comparator.comparingDouble(Event::end).reversed()));
      double[] self = new double[thread.size()];
      Deque<Integer> open = new ArrayDeque<>(); // the callers around the current event, innermost first
      for (int i = 0; i < thread.size(); i++) {
        Event e = thread.get(i);
        while (!open.isEmpty() && e.start() >= thread.get(open.peek()).end()) {
          open.pop();
        }
        self[i] = e.end() - e.start();
        if (open.isEmpty()) {
          topLevel++;
        } else {
          self[open.peek()] -= self[i]; // its caller's self time excludes this call
        }
        open.push(i);
      }
      for (int i = 0; i < thread.size(); i++) {
        double[] total = totals.computeIfAbsent(thread.get(i).name(), k -> new double[2]);
        total[0]++;
        total[1] += self[i];
      }
      all += thread.size();
    }
    List<Operator> operators = new ArrayList<>();
    totals.forEach((name, t) -> operators.add(new Operator(name, (long) t[0], t[1])));
    operators.sort(Comparator.comparingDouble(Operator::selfMicros).reversed());
    return new TraceSummary(steps, topLevel, all, operators);
  }

  /** A count per step: whole when the steps called the same operators, else with its tenth. */
  private String perStep(long count) {
    return count % steps == 0 ? String.format(Locale.ROOT, "%,d", count / steps) : String.format(Locale.ROOT, "%,.1f", (double) count / steps);
  }

  /** Per step: the operator counts, then the {@code top} operators with the most self time. */
  void print(PrintWriter out, int top) {
    out.printf(Locale.ROOT, "    per step: %s operators called (top level), %s in all, %.2f ms of host time in operators%n",
        perStep(topLevel), perStep(all), selfMicros / steps / 1e3);
    out.printf(Locale.ROOT, "    %-50s %8s %9s %6s%n", "operator, by self time", "calls", "self ms", "share");
    for (Operator o : operators.subList(0, Math.min(top, operators.size()))) {
      String name = o.name().length() > 50 ? o.name().substring(0, 49) + "…" : o.name();
      out.printf(Locale.ROOT, "    %-50s %8.0f %9.2f %5.1f%%%n", name, (double) o.calls() / steps, o.selfMicros() / steps / 1e3,
          100 * o.selfMicros() / selfMicros);
    }
  }
}
