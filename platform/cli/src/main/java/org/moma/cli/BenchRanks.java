package org.moma.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moma.cli.BenchCommand.Measured;
import org.moma.reports.RunReport;
import org.moma.api.train.StepMetrics;
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
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Integer call() throws IOException {
    if (ranks < 2 || rounds < 1 || steps <= WARM_UP) {
      throw new IllegalArgumentException("--ranks must be at least 2, --rounds at least 1 and --steps above " + WARM_UP);
    }
    Path file = spec != null ? spec.toAbsolutePath() : MomaCommand.home().resolve("examples/default.json").toAbsolutePath();
    BenchCommand.spec(file); // a broken spec is named before any run starts
    PrintWriter out = bench.parent.out;
    Path scratch = Files.createTempDirectory("moma-bench-ranks");
    List<Measured> one = new ArrayList<>();
    List<Measured> many = new ArrayList<>();
    double[] ratios = new double[rounds];
    try {
      for (int r = 0; r < rounds; r++) {
        one.add(measure(file, scratch.resolve("one-" + r), 1));
        many.add(measure(file, scratch.resolve("ranks-" + r), ranks));
        ratios[r] = many.get(r).tokensPerSecond() / one.get(r).tokensPerSecond();
        out.printf(Locale.ROOT, "  round %d/%d: 1 process %.0f tokens/s, %d ranks %.0f tokens/s, %.2fx%n", r + 1, rounds,
            one.get(r).tokensPerSecond(), ranks, many.get(r).tokensPerSecond(), ratios[r]);
        out.flush();
      }
    } finally {
      org.moma.runs.Folders.deleteTree(scratch); // scratch only: nothing of a benchmark stays in /tmp
    }
    out.printf(Locale.ROOT, "%d ranks x 1 thread against 1 process x 1 thread: %.2fx (median of %d rounds; spread %.2f..%.2f)%n",
        ranks, BenchCommand.median(ratios), rounds, BenchCommand.min(ratios), BenchCommand.max(ratios));
    out.printf(Locale.ROOT, "  %-16s %9s   %s%n", "", "tokens/s", BenchCommand.PHASES);
    print(out, "1 process", one);
    print(out, ranks + " ranks (each)", many);
    out.flush();
    return 0;
  }

  /** The median over rounds of a kind of run: tokens/s and each phase. */
  private static void print(PrintWriter out, String label, List<Measured> runs) {
    out.printf(Locale.ROOT, "  %-16s %9.0f   %s%n", label,
        BenchCommand.median(runs.stream().mapToDouble(Measured::tokensPerSecond).toArray()),
        BenchCommand.millis(BenchCommand.medianPhases(runs.stream().map(Measured::phases).toList())));
  }

  /** Trains the spec in {@code dir} as {@code processes} processes of one thread; its steps after the warm-up. */
  private Measured measure(Path spec, Path dir, int processes) throws IOException {
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
    List<StepMetrics> metrics = new ArrayList<>();
    for (JsonNode line : RunReport.metrics(dir)) {
      metrics.add(JSON.treeToValue(line, StepMetrics.class));
    }
    return BenchCommand.steady(metrics, WARM_UP, Double.NaN); // FLOPs are not what this benchmark reports
  }
}
