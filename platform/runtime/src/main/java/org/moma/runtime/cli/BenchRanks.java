package org.moma.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moma.runtime.report.RunReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code moma bench ranks}: data-parallel scaling, N ranks of one thread each against one process of
 * one thread, on the same spec and global batch. Each run is a separate {@code moma run} (the ranks
 * through {@code mpirun}), the two kinds interleaved over rounds, because this machine is shared.
 */
@Command(name = "ranks", mixinStandardHelpOptions = true,
    description = {"Data-parallel scaling: N ranks x 1 thread against 1 process x 1 thread, same spec and global batch.",
        "Each run is its own 'moma run' (the ranks through mpirun); the two are interleaved over rounds and each figure is"
            + " the median tokens/s of a run's steps after the third."})
final class BenchRanks implements Callable<Integer> {
  @ParentCommand BenchCommand bench;

  @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC", description = "spec to train (default: examples/default.json)")
  Path spec;

  @Option(names = "--ranks", defaultValue = "2", description = "ranks of the parallel run (default: ${DEFAULT-VALUE})")
  int ranks;

  @Option(names = "--rounds", defaultValue = "3", description = "rounds of one process then N ranks (default: ${DEFAULT-VALUE})")
  int rounds;

  @Option(names = "--steps", defaultValue = "12", description = "training steps per run (default: ${DEFAULT-VALUE})")
  int steps;

  private static final int WARM_UP = 3;
  private static final String[] PHASES = {"data", "forward", "backward", "allreduce", "optimizer"};

  @Override
  public Integer call() throws IOException {
    if (ranks < 2 || rounds < 1 || steps <= WARM_UP) {
      throw new IllegalArgumentException("--ranks must be at least 2, --rounds at least 1 and --steps above " + WARM_UP);
    }
    Path file = spec != null ? spec.toAbsolutePath() : MomaCommand.home().resolve("examples/default.json").toAbsolutePath();
    BenchCommand.spec(file); // a broken spec is named before any run starts
    PrintWriter out = bench.parent.out;
    Path scratch = Files.createTempDirectory("moma-bench-ranks");
    double[] one = new double[rounds];
    double[] many = new double[rounds];
    double[][] onePhases = new double[PHASES.length][rounds];
    double[][] manyPhases = new double[PHASES.length][rounds];
    try {
      for (int r = 0; r < rounds; r++) {
        one[r] = measure(file, scratch.resolve("one-" + r), 1, onePhases, r);
        many[r] = measure(file, scratch.resolve("ranks-" + r), ranks, manyPhases, r);
        out.printf(Locale.ROOT, "  round %d/%d: 1 process %.0f tokens/s, %d ranks %.0f tokens/s, %.2fx%n", r + 1, rounds, one[r],
            ranks, many[r], many[r] / one[r]);
        out.flush();
      }
    } finally {
      org.moma.runtime.io.Folders.deleteTree(scratch); // scratch only: nothing of a benchmark stays in /tmp
    }
    double[] ratios = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      ratios[r] = many[r] / one[r];
    }
    out.printf(Locale.ROOT, "%d ranks x 1 thread against 1 process x 1 thread: %.2fx (median of %d rounds; spread %.2f..%.2f)%n",
        ranks, BenchCommand.median(ratios), rounds, java.util.Arrays.stream(ratios).min().orElse(Double.NaN),
        java.util.Arrays.stream(ratios).max().orElse(Double.NaN));
    out.printf(Locale.ROOT, "  %-16s %9s   ms per step: %s%n", "", "tokens/s", String.join(" / ", PHASES));
    out.printf(Locale.ROOT, "  %-16s %9.0f   %s%n", "1 process", BenchCommand.median(one), phases(onePhases));
    out.printf(Locale.ROOT, "  %-16s %9.0f   %s%n", ranks + " ranks (each)", BenchCommand.median(many), phases(manyPhases));
    out.flush();
    return 0;
  }

  /** Trains the spec in {@code dir} with one thread per process; fills each phase's median ms of round {@code r}. */
  private double measure(Path spec, Path dir, int processes, double[][] phases, int r) throws IOException {
    List<String> command = new ArrayList<>(List.of(MomaCommand.home().toAbsolutePath().resolve("bin/moma").toString(),
        "run", spec.toString(), "--steps", String.valueOf(steps), "--output", dir.toString()));
    if (processes > 1) {
      command.addAll(List.of("--ranks", String.valueOf(processes)));
    }
    Path log = dir.resolveSibling(dir.getFileName() + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    String opts = builder.environment().getOrDefault("MOMA_JAVA_OPTS", "");
    builder.environment().put("MOMA_JAVA_OPTS", (opts + " -Dai.djl.pytorch.num_threads=1").trim());
    int exit;
    try {
      exit = builder.start().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while 'moma run' ran", e);
    }
    if (exit != 0) {
      List<String> lines = Files.readAllLines(log);
      throw new IllegalStateException("'" + String.join(" ", command) + "' failed (exit " + exit + "): "
          + (lines.isEmpty() ? "no output" : lines.get(lines.size() - 1)));
    }
    List<JsonNode> metrics = RunReport.metrics(dir);
    List<JsonNode> steady = metrics.subList(Math.min(WARM_UP, metrics.size() - 1), metrics.size());
    for (int p = 0; p < PHASES.length; p++) {
      String phase = PHASES[p];
      phases[p][r] = 1e3 * BenchCommand.median(steady.stream().mapToDouble(m -> m.path("seconds").path(phase).asDouble()).toArray());
    }
    return BenchCommand.median(steady.stream().mapToDouble(m -> m.path("tokensPerSecond").asDouble()).toArray());
  }

  private static String phases(double[][] byPhase) {
    List<String> ms = new ArrayList<>();
    for (double[] values : byPhase) {
      ms.add(String.format(Locale.ROOT, "%.0f", BenchCommand.median(values)));
    }
    return String.join(" / ", ms);
  }
}
