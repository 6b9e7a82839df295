package org.moma.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.moma.api.eval.EvalResult;
import org.moma.api.eval.InputCheck;
import org.moma.evaluation.EvalRunner;
import org.moma.runs.TrainedModel;
import org.moma.spec.SpecReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code moma eval RUN --evaluator NAME [--options JSON]}: one evaluator on a trained run;
 * {@code moma eval --check --evaluator NAME --options JSON}: its input files checked, no run needed.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = {"Run an evaluator on a trained run; results go to RUN/eval/results.json.",
        "With --check (and no RUN): check the files the evaluator would read, e.g.",
        "  moma eval --check --evaluator multiple-choice --options '{\"path\": \"benchmarks\"}'"})
final class EvalCommand implements Callable<Integer> {
  @ParentCommand MomaCommand parent;

  @Parameters(index = "0", arity = "0..1", paramLabel = "RUN", description = "run folder written by 'moma run'")
  Path run;

  @Option(names = "--check", description = "check the evaluator's input files (tasks found, item counts, what is missing or malformed) instead of evaluating")
  boolean check;

  @Option(names = "--evaluator", required = true, description = "evaluator name ('moma list' shows them)")
  String evaluator;

  @Option(names = "--options", defaultValue = "{}", description = "evaluator options as JSON, e.g. '{\"documents\": 50}'")
  String options;

  @Option(names = "--device", description = "cpu, gpu, gpu:N or auto (default: the run's)")
  String device;

  @Override
  public Integer call() {
    JsonNode json;
    try {
      json = SpecReader.MAPPER.readTree(options);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("--options is not valid JSON: " + e.getOriginalMessage());
    }
    if (check) {
      if (run != null || device != null) {
        throw new IllegalArgumentException("--check reads no run: give no RUN or --device");
      }
      return printChecks(parent.out, new EvalRunner(parent.plugins).check(evaluator, json, "--evaluator"));
    }
    if (run == null) {
      throw new IllegalArgumentException("give the RUN folder to evaluate (or --check to check the evaluator's files)");
    }
    try (TrainedModel trained = TrainedModel.load(parent.plugins, run, device)) {
      print(parent.out, new EvalRunner(parent.plugins).run(trained, evaluator, json, "--evaluator"));
    }
    return 0;
  }

  /** One line per input; exit 0 when all are usable, 1 otherwise. */
  static int printChecks(PrintWriter out, List<InputCheck> checks) {
    if (checks.isEmpty()) {
      out.println("this evaluator reads no files of its own: nothing to check");
    }
    long bad = checks.stream().filter(c -> !c.ok()).count();
    for (InputCheck c : checks) {
      out.printf(Locale.ROOT, "  %-8s %-14s %s%n", c.ok() ? "ok" : "PROBLEM", c.subject(), c.detail());
    }
    if (!checks.isEmpty()) {
      out.printf(Locale.ROOT, "%d of %d usable%s%n", checks.size() - bad, checks.size(), bad == 0 ? "" : "; fix the problems above before evaluating");
    }
    out.flush();
    return bad == 0 ? 0 : 1;
  }

  static void print(PrintWriter out, EvalResult result) {
    out.printf(Locale.ROOT, "%s%n", result.evaluator());
    for (Map.Entry<String, Object> e : result.metrics().entrySet()) {
      Object v = e.getValue();
      String shown = v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d)
          : v instanceof double[] a ? java.util.Arrays.toString(java.util.Arrays.stream(a).map(x -> Math.round(x * 1000) / 1000.0).toArray())
          : String.valueOf(v);
      out.printf(Locale.ROOT, "  %-28s %s%n", e.getKey(), shown);
    }
    out.flush();
  }
}
