package org.moma.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.moma.registry.SpecDataset;
import org.moma.api.DeviceSpec;
import org.moma.api.data.DocumentSource;
import org.moma.api.spec.ExperimentSpec;
import org.moma.data.packing.SequencePacker;
import org.moma.spec.SpecReader;
import org.moma.training.ExperimentRunner;
import org.moma.training.StepProfile;
import org.moma.api.train.StepMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code moma bench}: measurements a researcher runs by hand (never part of the tests). Every
 * figure is a ratio measured side by side in the same process, because this machine is shared.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: data (tokenizer and loader vs a training step), train (tokens/s, FLOP/s, MFU), ranks (data-parallel"
        + " scaling), experts (MoE overhead), generate, paper.",
    subcommands = {BenchCommand.Data.class, BenchCommand.Train.class, BenchRanks.class, BenchExperts.class, BenchCommand.Generate.class,
        BenchPaper.class})
final class BenchCommand implements Callable<Integer> {
  @ParentCommand MomaCommand parent;

  @Override
  public Integer call() {
    parent.out.println("moma bench: give a benchmark (data, train); 'moma bench --help' lists them.");
    return MomaCommandLine.USAGE;
  }

  static ExperimentSpec spec(Path file) {
    return SpecReader.read(file != null ? file : MomaCommand.home().resolve("examples/default.json"));
  }

  /**
   * Steady-state training speed of a spec, its FLOPs per token, the median seconds of each step
   * phase, and the median host reads per step (NaN unless {@code MOMA_COUNT_HOST_READS=1}).
   */
  record Measured(double tokensPerSecond, double flopsPerToken, StepMetrics.Phases phases, double hostReads) {}

  /** Trains {@code steps} steps of the spec's model in a temporary folder; the first two steps (warm-up) are not counted. */
  static Measured train(MomaCommand parent, ExperimentSpec spec, int steps) throws IOException {
    return train(parent, spec, steps, null);
  }

  /** {@link #train(MomaCommand, ExperimentSpec, int)}, recording the steps of {@code profile} when it is not null. */
  static Measured train(MomaCommand parent, ExperimentSpec spec, int steps, StepProfile profile) throws IOException {
    Path tmp = Files.createTempDirectory("moma-bench");
    ExperimentSpec short_ =
        spec.withTraining(spec.training().withSteps(steps)).withOutput(tmp.resolve(spec.name()).toString()).validate();
    List<StepMetrics> metrics = new ArrayList<>();
    double flopsPerToken;
    try {
      flopsPerToken = new ExperimentRunner(parent.plugins).profiling(profile).run(short_, metrics::add).trainingFlopsPerToken();
    } finally {
      org.moma.runs.Folders.deleteTree(tmp); // scratch only: nothing of a benchmark stays in /tmp
    }
    return steady(metrics, 2, flopsPerToken);
  }

  /** The median tokens/s and phase times of a run's steps after its first {@code warmUp}. */
  static Measured steady(List<StepMetrics> metrics, int warmUp, double flopsPerToken) {
    List<StepMetrics> steady = metrics.subList(Math.min(warmUp, metrics.size() - 1), metrics.size());
    double[] reads = steady.stream().filter(m -> m.hostReads() != null).mapToDouble(m -> m.hostReads()).toArray();
    return new Measured(median(steady.stream().mapToDouble(StepMetrics::tokensPerSecond).toArray()), flopsPerToken,
        medianPhases(steady.stream().map(StepMetrics::seconds).toList()), median(reads));
  }

  /** The header of {@link #millis}. */
  static final String PHASES = "ms per step: data / fwd / bwd / allreduce / optim";

  /** A step's phases in milliseconds, in the order of {@link #PHASES}. */
  static String millis(StepMetrics.Phases p) {
    return String.format(Locale.ROOT, "%.0f / %.0f / %.0f / %.0f / %.0f", 1e3 * p.data(), 1e3 * p.forward(), 1e3 * p.backward(),
        1e3 * p.allreduce(), 1e3 * p.optimizer());
  }

  /** Each phase's median over several steps or runs. */
  static StepMetrics.Phases medianPhases(List<StepMetrics.Phases> all) {
    return new StepMetrics.Phases(
        median(all.stream().mapToDouble(StepMetrics.Phases::data).toArray()),
        median(all.stream().mapToDouble(StepMetrics.Phases::forward).toArray()),
        median(all.stream().mapToDouble(StepMetrics.Phases::backward).toArray()),
        median(all.stream().mapToDouble(StepMetrics.Phases::allreduce).toArray()),
        median(all.stream().mapToDouble(StepMetrics.Phases::optimizer).toArray()),
        median(all.stream().mapToDouble(StepMetrics.Phases::checkpoint).toArray()));
  }

  static double min(double[] v) {
    return java.util.Arrays.stream(v).min().orElse(Double.NaN);
  }

  static double max(double[] v) {
    return java.util.Arrays.stream(v).max().orElse(Double.NaN);
  }

  static double median(double[] values) {
    double[] v = values.clone();
    java.util.Arrays.sort(v);
    return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  @Command(name = "data", mixinStandardHelpOptions = true,
      description = "Tokenizer and loader tokens/s against one training step's tokens/s of the spec's model.")
  static final class Data implements Callable<Integer> {
    @ParentCommand BenchCommand bench;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC") Path spec;

    @Option(names = "--documents", defaultValue = "400", description = "documents tokenized (default: ${DEFAULT-VALUE})")
    int documents;

    @Override
    public Integer call() throws IOException {
      MomaCommand parent = bench.parent;
      ExperimentSpec experiment = spec(spec);
      DocumentSource source = SpecDataset.of(parent.plugins, experiment).open("train");
      source.document(0); // tokenizers trained or loaded before timing
      long start = System.nanoTime();
      long tokens = 0;
      for (long i = 1; i <= documents; i++) {
        tokens += source.document(i % Math.max(1, source.size())).length();
      }
      double tokenizer = tokens / ((System.nanoTime() - start) / 1e9);
      SequencePacker packer = SequencePacker.forTraining(source, experiment.model().seqLen(), experiment.training());
      int batches = Math.max(1, (int) (tokens / ((long) experiment.training().batchSize() * experiment.model().seqLen())));
      start = System.nanoTime();
      for (int b = 0; b < batches; b++) {
        packer.next(experiment.training().batchSize());
      }
      double loader = (double) batches * experiment.training().batchSize() * experiment.model().seqLen() / ((System.nanoTime() - start) / 1e9);
      Measured step = train(parent, experiment, 12);
      double training = step.tokensPerSecond();
      StepMetrics.Phases phases = step.phases();
      double stepSeconds = phases.data() + phases.forward() + phases.backward() + phases.allreduce() + phases.optimizer();
      PrintWriter out = parent.out;
      out.printf(Locale.ROOT, "data benchmark of %s (%s), %d documents%n", experiment.name(), experiment.data().name(), documents);
      out.printf(Locale.ROOT, "  %-34s %12.0f tokens/s  %6.1fx training%n", "make or read + tokenize documents", tokenizer, tokenizer / training);
      out.printf(Locale.ROOT, "  %-34s %12.0f tokens/s  %6.1fx training%n", "loader (packing, incl. tokenizing)", loader, loader / training);
      out.printf(Locale.ROOT, "  %-34s %12.0f tokens/s%n", "training step (" + experiment.model().dModel() + "d x " + experiment.model().layers() + ")", training);
      out.printf(Locale.ROOT, "  %-34s %12.1f ms of %.0f ms  (%.1f%% of the step)%n", "data phase of a training step", 1e3 * phases.data(),
          1e3 * stepSeconds, 100 * phases.data() / stepSeconds);
      out.println(loader > training ? "  the loader is not the bottleneck" : "  WARNING: the loader is slower than training");
      out.flush();
      return 0;
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = {"Training tokens/s of specs side by side (the first is the baseline, e.g. dense), with where a step's time goes and"
          + " the model FLOP/s utilization against the fastest matrix product shaped like the model's.",
          "After a warm-up run, the specs are measured in turn over several rounds (this machine is shared and noisy);"
              + " each figure is the median over rounds of a run's median step, the spread is the lowest and highest round."})
  static final class Train implements Callable<Integer> {
    @ParentCommand BenchCommand bench;

    @Parameters(paramLabel = "SPEC", description = "specs to measure (default: examples/default.json)") List<Path> specs;

    @Option(names = "--steps", defaultValue = "12", description = "training steps per spec and round; the first 2 are not counted (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--rounds", defaultValue = "3", description = "rounds over all specs (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--profile", paramLabel = "DIR", description = "after the rounds, one more run of each spec with steps"
        + " 3..4 recorded by libtorch's profiler: DIR/SPEC.trace.json (chrome://tracing, ui.perfetto.dev) and a table of the"
        + " operators per step: how many a step calls (on a GPU each one costs host time) and where the host time goes")
    Path profile;

    @Override
    public Integer call() throws IOException {
      if (steps < 3 || rounds < 1) {
        throw new IllegalArgumentException("--steps must be at least 3 and --rounds at least 1");
      }
      MomaCommand parent = bench.parent;
      List<Path> files = specs == null || specs.isEmpty() ? java.util.Collections.singletonList(null) : specs;
      List<ExperimentSpec> experiments = new ArrayList<>();
      for (Path file : files) {
        experiments.add(spec(file));
      }
      PrintWriter out = parent.out;
      List<Path> traces = profile == null ? List.of() : traceFiles(profile, experiments);
      train(parent, experiments.get(0), 4); // warm-up: JIT, allocator, kernels; not counted
      double[][] rates = new double[experiments.size()][rounds];
      double[][] ratios = new double[experiments.size()][rounds];
      Measured[][] all = new Measured[experiments.size()][rounds];
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < experiments.size(); i++) {
          all[i][r] = train(parent, experiments.get(i), steps);
          rates[i][r] = all[i][r].tokensPerSecond();
        }
        for (int i = 0; i < experiments.size(); i++) {
          ratios[i][r] = rates[i][r] / rates[0][r];
        }
        out.printf(Locale.ROOT, "  round %d/%d done%n", r + 1, rounds);
        out.flush();
      }
      // MFU of each spec against the fastest product of the models' shapes at that spec's compute precision
      Map<DataType, double[]> peaks = new java.util.LinkedHashMap<>();
      Map<DataType, String> peakShapes = new java.util.HashMap<>();
      for (ExperimentSpec e : experiments) {
        DataType type = compute(e);
        for (long[] shape : modelShapes(e)) {
          double f = matmulFlops(shape[0], shape[1], shape[2], 10, type);
          if (f > peaks.computeIfAbsent(type, t -> new double[1])[0]) {
            peaks.get(type)[0] = f;
            peakShapes.put(type, shape[0] + "x" + shape[1] + " · " + shape[1] + "x" + shape[2]);
          }
        }
      }
      for (Map.Entry<DataType, double[]> peak : peaks.entrySet()) {
        out.printf(Locale.ROOT, "fastest matrix product shaped like the models' (%s, %s, same threads): %.1f GFLOP/s%n",
            peakShapes.get(peak.getKey()), peak.getKey() == DataType.FLOAT16 ? "fp16" : "fp32", peak.getValue()[0] / 1e9);
      }
      boolean reads = org.moma.api.nn.HostReads.counting();
      out.printf(Locale.ROOT, "%d rounds, median of steps 3..%d per run; spread = lowest..highest round%s%n", rounds, steps,
          reads ? "; reads = host reads per step" : " (MOMA_COUNT_HOST_READS=1 adds host reads per step)");
      out.printf(Locale.ROOT, "  %-20s %9s %15s %6s %15s %8s %6s %s  %s%n", "spec", "tokens/s", "spread", "vs 1st", "ratio spread",
          "GFLOP/s", "MFU", reads ? "reads" : "", PHASES);
      for (int i = 0; i < experiments.size(); i++) {
        double rate = median(rates[i]);
        double achieved = rate * all[i][0].flopsPerToken();
        StepMetrics.Phases p = medianPhases(java.util.Arrays.stream(all[i]).map(Measured::phases).toList());
        String hostReads = !reads ? "" : String.format(Locale.ROOT, "%5.0f",
            median(java.util.Arrays.stream(all[i]).mapToDouble(Measured::hostReads).toArray()));
        out.printf(Locale.ROOT, "  %-20s %9.0f %7.0f..%-7.0f %6.2f %7.2f..%-7.2f %8.2f %5.1f%% %s  %s%n",
            experiments.get(i).name(), rate, min(rates[i]), max(rates[i]), median(ratios[i]), min(ratios[i]), max(ratios[i]),
            achieved / 1e9, 100 * achieved / peaks.get(compute(experiments.get(i)))[0], hostReads, millis(p));
      }
      for (int i = 0; i < traces.size(); i++) {
        // after the warm-up, and not the run's last step (its checkpoint is no step's work)
        StepProfile window = new StepProfile(3, 4, traces.get(i));
        train(parent, experiments.get(i), window.to() + 1, window);
        out.printf(Locale.ROOT, "profile of %s, steps %d..%d: %s%n", experiments.get(i).name(), window.from(), window.to(),
            window.trace());
        TraceSummary.read(window.trace(), window.steps()).print(out, 15);
        out.flush();
      }
      out.flush();
      return 0;
    }

    /** One new trace file per spec in {@code dir} (made if absent); an existing one is refused before anything runs. */
    private static List<Path> traceFiles(Path dir, List<ExperimentSpec> experiments) throws IOException {
      Files.createDirectories(dir);
      List<Path> files = new ArrayList<>();
      for (ExperimentSpec e : experiments) {
        String name = e.name();
        for (int n = 2; files.contains(dir.resolve(name + ".trace.json")); n++) {
          name = e.name() + "-" + n; // the same spec twice: a file each
        }
        Path file = dir.resolve(name + ".trace.json");
        if (Files.exists(file)) {
          throw new IllegalArgumentException("--profile: " + file + " exists; give another folder or remove it");
        }
        files.add(file);
      }
      return files;
    }

    /** The compute precision of a spec's training. */
    private static DataType compute(ExperimentSpec e) {
      return e.training().halfPrecision() ? DataType.FLOAT16 : DataType.FLOAT32;
    }

    /** The matrix products of a model's step: tokens × d by d × (3d, d, ffn, vocab), and tokens × ffn by ffn × d. */
    private static List<long[]> modelShapes(ExperimentSpec e) {
      long tokens = (long) e.training().batchSize() * e.model().seqLen();
      long d = e.model().dModel();
      long ffn = e.model().ffnDim() > 0 ? e.model().ffnDim() : 4 * d;
      return List.of(new long[] {tokens, d, 3 * d}, new long[] {tokens, d, d}, new long[] {tokens, d, ffn}, new long[] {tokens, ffn, d});
    }

  }

  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = "Generation tokens/s of trained runs with and without the KV cache, side by side.")
  static final class Generate implements Callable<Integer> {
    @ParentCommand BenchCommand bench;

    @Parameters(arity = "1..*", paramLabel = "RUN") List<Path> runs;

    @Option(names = "--tokens", defaultValue = "100", description = "tokens generated per way (default: ${DEFAULT-VALUE})") int tokens;

    @Override
    public Integer call() {
      PrintWriter out = bench.parent.out;
      out.printf(Locale.ROOT, "  %-22s %16s %16s %8s%n", "run", "cached tok/s", "recompute tok/s", "ratio");
      for (Path run : runs) {
        try (org.moma.runs.TrainedModel trained = org.moma.runs.TrainedModel.load(bench.parent.plugins, run, null)) {
          org.moma.evaluation.Generator generator = new org.moma.evaluation.Generator(trained);
          generator.generate("draw a red circle", 20, 1.0, 1.0, 0, true); // warm-up
          generator.generate("draw a red circle", 20, 1.0, 1.0, 0, false);
          double[] rates = new double[2];
          // alternate the two ways three times and keep each one's best, so neither pays for warm-up or a busy moment
          for (int round = 0; round < 3; round++) {
            for (int c = 0; c < 2; c++) {
              long start = System.nanoTime();
              org.moma.evaluation.Generator.Output o = generator.generate("draw a red circle", tokens, 1.0, 1.0, 1, c == 0);
              rates[c] = Math.max(rates[c], o.tokens() / ((System.nanoTime() - start) / 1e9));
            }
          }
          out.printf(Locale.ROOT, "  %-22s %16.0f %16.0f %7.1fx%n", trained.spec().name(), rates[0], rates[1], rates[0] / rates[1]);
        }
      }
      out.flush();
      return 0;
    }
  }

  /** FLOP/s of an (m×k)·(k×n) float32 matrix product on the default device of the engine; the best of the repeats. */
  static double matmulFlops(long m, long k, long n, int repeats) {
    return matmulFlops(m, k, n, repeats, DataType.FLOAT32);
  }

  /** FLOP/s of an (m×k)·(k×n) matrix product of {@code type} on the default device of the engine; the best of the repeats. */
  static double matmulFlops(long m, long k, long n, int repeats, DataType type) {
    Engine engine = Engine.getEngine("PyTorch");
    Device device = DeviceSpec.parse("auto").resolve(engine);
    try (NDManager manager = NDManager.newBaseManager(device, engine.getEngineName())) {
      NDArray a = manager.randomNormal(new Shape(m, k)).toType(type, false);
      NDArray b = manager.randomNormal(new Shape(k, n)).toType(type, false);
      a.matMul(b).close(); // warm-up
      double best = Double.MAX_VALUE;
      for (int i = 0; i < repeats; i++) {
        long start = System.nanoTime();
        NDArray c = a.matMul(b);
        c.getFloat(0, 0); // forces completion on asynchronous devices
        c.close();
        best = Math.min(best, (System.nanoTime() - start) / 1e9);
      }
      return 2.0 * m * k * n / best;
    }
  }
}
