package org.moma.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.moma.runs.RunStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code moma runs [DIR]}: the runs under a folder, a line each: running, finished, stopped,
 * failed or killed, how far, the last losses and speed, and the time left or why it ended. Read
 * without disturbing the runs, so it is safe beside a training process.
 */
@Command(name = "runs", mixinStandardHelpOptions = true,
    description = "List the runs under a folder (default: runs) with their state, step, last losses, tokens/s and time left.")
final class RunsCommand implements Callable<Integer> {
  @ParentCommand MomaCommand parent;

  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "folder holding run folders (default: runs)")
  Path dir = Path.of("runs");

  @Option(names = "--json", description = "one JSON array of objects (name, state, step, steps, losses, tokensPerSecond, etaSeconds, reason)")
  boolean json;

  @Override
  public Integer call() throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + ": no such folder of runs");
    }
    List<Path> runs;
    try (Stream<Path> entries = Files.list(dir)) {
      runs = entries.filter(p -> Files.isRegularFile(p.resolve("spec.json"))).sorted().toList();
    }
    if (json) {
      List<java.util.Map<String, Object>> all = new java.util.ArrayList<>();
      for (Path run : runs) {
        all.add(RunStatus.read(run).fields());
      }
      parent.out.println(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(all));
      parent.out.flush();
      return 0;
    }
    parent.out.printf(Locale.ROOT, "%-24s %-9s %11s  %-26s %9s  %s%n", "run", "state", "step", "loss (text / image)", "tokens/s",
        "left / why it ended");
    for (Path run : runs) {
      RunStatus s = RunStatus.read(run);
      String loss = Double.isNaN(s.loss()) ? "-"
          : String.format(Locale.ROOT, "%.4f (%.3f / %.3f)", s.loss(), s.lossText(), s.lossImage());
      String speed = Double.isNaN(s.tokensPerSecond()) ? "-" : String.format(Locale.ROOT, "%.0f", s.tokensPerSecond());
      String note = s.reason() != null ? s.reason() : !Double.isNaN(s.etaSeconds()) ? duration(s.etaSeconds()) : "";
      if (s.truncatedLine()) {
        note = (note.isEmpty() ? "" : note + "; ") + "last metrics line cut short";
      }
      parent.out.printf(Locale.ROOT, "%-24s %-9s %11s  %-26s %9s  %s%n", s.name(), s.state(), s.step() + "/" + s.steps(), loss,
          speed, note);
    }
    parent.out.flush();
    return 0;
  }

  private static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60) : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }
}
