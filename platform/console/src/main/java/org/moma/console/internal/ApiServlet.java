package org.moma.console.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.PluginKind;
import org.moma.api.SpecException;
import org.moma.api.spec.ExperimentSpec;
import org.moma.registry.Plugins;
import org.moma.runs.RunStatus;

/**
 * The JSON API behind the pages, under {@code /api}:
 * <ul>
 *   <li>{@code GET /runs}: every run's status; {@code GET /runs/NAME}: one run with its spec,
 *       checkpoints and files; {@code GET /runs/NAME/metrics?from=STEP}: its metrics lines from that
 *       step on; {@code GET /runs/NAME/files/F}: its report, pictures and evaluation results;
 *   <li>{@code POST /runs} (a spec): starts a run, answers {@code {"name": …}} or 400 naming the field;
 *   <li>{@code POST /runs/NAME/stop} and {@code POST /runs/NAME/resume};
 *   <li>{@code GET /plugins}: the installed plugins by kind with their options, and the bundles that failed.
 * </ul>
 */
public final class ApiServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  /** A spec is a few kB: a larger body is refused before it is read. */
  public static final int MAX_BODY = 256 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final transient RunsRoot runs;
  private final transient MetricsTail metrics;
  private final transient RunProcesses processes;
  private final transient Plugins plugins;

  public ApiServlet(RunsRoot runs, MetricsTail metrics, RunProcesses processes, Plugins plugins) {
    this.runs = runs;
    this.metrics = metrics;
    this.processes = processes;
    this.plugins = plugins;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String[] parts = parts(request);
    if (parts.length == 1 && parts[0].equals("runs")) {
      json(response, 200, runList());
    } else if (parts.length == 1 && parts[0].equals("plugins")) {
      json(response, 200, pluginList());
    } else if (parts.length >= 2 && parts[0].equals("runs")) {
      String name = parts[1];
      Optional<Path> dir = runs.run(name);
      if (dir.isEmpty()) {
        if (parts.length == 2 && RunsRoot.validName(name) && processes.reserved(name)) {
          json(response, 200, Map.of("name", name, "state", "starting"));
        } else if (parts.length == 3 && parts[2].equals("metrics") && RunsRoot.validName(name) && processes.reserved(name)) {
          raw(response, "[]");
        } else {
          error(response, 404, "no run '" + clip(name) + "'");
        }
        return;
      }
      if (parts.length == 2) {
        json(response, 200, run(name, dir.get()));
      } else if (parts.length == 3 && parts[2].equals("metrics")) {
        raw(response, metrics.from(dir.get(), from(request.getParameter("from"))));
      } else if (parts.length >= 4 && parts[2].equals("files")) {
        String relative = String.join("/", java.util.Arrays.copyOfRange(parts, 3, parts.length));
        Optional<Path> file = runs.file(dir.get(), relative);
        if (file.isEmpty()) {
          error(response, 404, "no file '" + clip(relative) + "' in run '" + name + "'");
          return;
        }
        response.setContentType(MediaTypes.of(relative));
        response.setHeader("Cache-Control", "no-cache");
        Files.copy(file.get(), response.getOutputStream());
      } else {
        error(response, 404, "no such resource");
      }
    } else {
      error(response, 404, "no such resource");
    }
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String[] parts = parts(request);
    if (parts.length == 1 && parts[0].equals("runs")) {
      String body = body(request, response);
      if (body == null) {
        return;
      }
      ExperimentSpec spec;
      try {
        spec = SpecCheck.check(plugins, body);
      } catch (SpecException e) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("error", e.getMessage());
        answer.put("field", e.path());
        json(response, 400, answer);
        return;
      } catch (RuntimeException e) { // a plugin that rejects its options with another exception
        error(response, 400, e.getMessage() == null ? e.toString() : e.getMessage());
        return;
      }
      String name = processes.reserve(spec.name());
      processes.start(name, body);
      json(response, 201, Map.of("name", name));
    } else if (parts.length == 3 && parts[0].equals("runs") && (parts[2].equals("stop") || parts[2].equals("resume"))) {
      Optional<Path> dir = runs.run(parts[1]);
      if (dir.isEmpty()) {
        error(response, 404, "no run '" + clip(parts[1]) + "'");
        return;
      }
      String state = (String) status(parts[1], dir.get()).get("state");
      if (parts[2].equals("stop")) {
        // a run still starting (its process up, its lock not yet taken) can be stopped; a finished one cannot
        if (!state.equals("running") && !state.equals("starting")) {
          error(response, 409, "run '" + parts[1] + "' is " + state + ", not running");
        } else if (processes.stop(parts[1], dir.get())) {
          json(response, 202, Map.of("name", parts[1], "state", "stopping"));
        } else {
          error(response, 409, "run '" + parts[1] + "' is trained by a process this console cannot signal (another machine?)");
        }
      } else {
        if (!(state.equals("stopped") || state.equals("killed") || state.equals("failed"))) {
          error(response, 409, "run '" + parts[1] + "' is " + state + ": only a stopped, killed or failed run resumes");
        } else if (!processes.resume(parts[1])) {
          error(response, 409, "run '" + parts[1] + "' is " + state + " but its process has not ended yet: try again");
        } else {
          json(response, 202, Map.of("name", parts[1], "state", "resuming"));
        }
      }
    } else {
      error(response, 404, "no such resource");
    }
  }

  private List<Map<String, Object>> runList() throws IOException {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Path dir : runs.runs()) {
      list.add(status(dir.getFileName().toString(), dir));
    }
    return list;
  }

  private Map<String, Object> status(String name, Path dir) throws IOException {
    Map<String, Object> fields = new LinkedHashMap<>(RunStatus.read(dir).fields());
    if (processes.alive(name) && fields.get("state").equals("new")) {
      fields.put("state", "starting"); // its process is up, its lock not taken yet
    }
    return fields;
  }

  private Map<String, Object> run(String name, Path dir) throws IOException {
    Map<String, Object> run = status(name, dir);
    Path spec = dir.resolve("spec.json");
    run.put("spec", Files.isRegularFile(spec) ? JSON.readTree(spec.toFile()) : null);
    List<String> checkpoints = new ArrayList<>();
    if (Files.isDirectory(dir.resolve("checkpoints"))) {
      try (Stream<Path> entries = Files.list(dir.resolve("checkpoints"))) {
        entries.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().forEach(checkpoints::add);
      }
    }
    run.put("checkpoints", checkpoints);
    run.put("report", Files.isRegularFile(dir.resolve("report.html")) ? "files/report.html" : null);
    Path results = dir.resolve("eval/results.json");
    run.put("evaluations", Files.isRegularFile(results) ? JSON.readTree(results.toFile()) : null);
    List<String> pictures = new ArrayList<>();
    if (Files.isDirectory(dir.resolve("eval"))) {
      try (Stream<Path> entries = Files.list(dir.resolve("eval"))) {
        entries.map(p -> "eval/" + p.getFileName()).filter(f -> f.endsWith(".png") || f.endsWith(".svg")).sorted().forEach(pictures::add);
      }
    }
    run.put("pictures", pictures); // the routing heat maps evaluators drew
    processes.exitCode(name).ifPresent(code -> run.put("exitCode", code));
    return run;
  }

  private Map<String, Object> pluginList() {
    Map<String, Object> answer = new LinkedHashMap<>();
    List<Map<String, Object>> kinds = new ArrayList<>();
    for (PluginKind kind : PluginKind.values()) {
      List<Map<String, Object>> list = new ArrayList<>();
      for (MomaPlugin plugin : plugins.all(kind)) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", plugin.name());
        p.put("description", plugin.description());
        p.put("bundle", plugins.origin(plugin));
        List<Map<String, Object>> options = new ArrayList<>();
        for (OptionSpec o : plugin.options()) {
          Map<String, Object> option = new LinkedHashMap<>();
          option.put("name", o.name());
          option.put("type", o.type().jsonName());
          option.put("default", o.defaultValue());
          option.put("required", o.required());
          option.put("description", o.description());
          options.add(option);
        }
        p.put("options", options);
        list.add(p);
      }
      Map<String, Object> k = new LinkedHashMap<>();
      k.put("kind", kind.name().toLowerCase(java.util.Locale.ROOT));
      k.put("label", kind.label());
      k.put("plugins", list);
      kinds.add(k);
    }
    answer.put("kinds", kinds);
    answer.put("failures", plugins.failures());
    return answer;
  }

  /** The path below /api as its parts; an empty part or a dot part means no resource. */
  private static String[] parts(HttpServletRequest request) {
    String path = request.getPathInfo();
    if (path == null || path.length() < 2) {
      return new String[0];
    }
    String[] parts = path.substring(1).split("/", -1);
    for (String p : parts) {
      if (p.isEmpty() || p.equals(".") || p.equals("..")) {
        return new String[] {"-"};
      }
    }
    return parts;
  }

  private static int from(String value) {
    if (value == null) {
      return 0;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE; // not a step: nothing from there
    }
  }

  /** The request's body as text, or null after answering 413 when it is larger than {@link #MAX_BODY}. */
  private static String body(HttpServletRequest request, HttpServletResponse response) throws IOException {
    if (request.getContentLengthLong() > MAX_BODY) {
      error(response, 413, "the body is larger than " + MAX_BODY / 1024 + " KiB");
      return null;
    }
    try (InputStream in = request.getInputStream()) {
      byte[] bytes = in.readNBytes(MAX_BODY + 1);
      if (bytes.length > MAX_BODY) {
        error(response, 413, "the body is larger than " + MAX_BODY / 1024 + " KiB");
        return null;
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private static String clip(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }

  private static void json(HttpServletResponse response, int status, Object value) throws IOException {
    response.setStatus(status);
    response.setContentType("application/json;charset=utf-8");
    response.setHeader("Cache-Control", "no-store");
    JSON.writeValue(response.getOutputStream(), value);
  }

  private static void raw(HttpServletResponse response, String json) throws IOException {
    response.setContentType("application/json;charset=utf-8");
    response.setHeader("Cache-Control", "no-store");
    response.getOutputStream().write(json.getBytes(StandardCharsets.UTF_8));
  }

  static void error(HttpServletResponse response, int status, String message) throws IOException {
    json(response, status, Map.of("error", message));
  }
}
