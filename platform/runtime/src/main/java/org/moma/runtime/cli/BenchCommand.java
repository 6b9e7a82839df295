package org.moma.runtime.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moma.runtime.registry.SpecDataset;
import org.moma.api.DeviceSpec;
import org.moma.api.data.DocumentSource;
import org.moma.api.spec.ExperimentSpec;
import org.moma.runtime.data.SequencePacker;
import org.moma.runtime.spec.SpecReader;
import org.moma.runtime.train.ExperimentRunner;
import org.moma.runtime.train.StepMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code moma bench}: measurements a researcher runs by hand (never part of the tests). Every
 * figure is a ratio measured side by side in the same process, because this machine is shared.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: data (tokenizer and loader vs a training step), train (tokens/s, FLOP/s, MFU), experts (MoE overhead).",
    subcommands = {BenchCommand.Data.class, BenchCommand.Train.class, BenchExperts.class, BenchCommand.Generate.class, BenchPaper.class})
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

  /** Steady-state training speed of a spec and its FLOPs per token. */
  record Measured(double tokensPerSecond, double flopsPerToken) {}

  /** Trains {@code steps} steps of the spec's model in a temporary folder. */
  static Measured train(MomaCommand parent, ExperimentSpec spec, int steps) throws IOException {
    Path tmp = Files.createTempDirectory("moma-bench");
    ExperimentSpec short_ =
        spec.withTraining(spec.training().withSteps(steps)).withOutput(tmp.resolve(spec.name()).toString()).validate();
    List<StepMetrics> metrics = new ArrayList<>();
    double flopsPerToken;
    try {
      flopsPerToken = new ExperimentRunner(parent.plugins).run(short_, metrics::add).trainingFlopsPerToken();
    } finally {
      org.moma.runtime.io.Folders.deleteTree(tmp); // scratch only: nothing of a benchmark stays in /tmp
    }
    // the first steps include warm-up of the allocator and kernels
    List<StepMetrics> steady = metrics.subList(Math.min(2, metrics.size() - 1), metrics.size());
    double seconds = steady.get(steady.size() - 1).elapsedSeconds() - metrics.get(Math.min(1, metrics.size() - 1)).elapsedSeconds();
    long tokens = (long) steady.size() * short_.training().batchSize() * short_.training().accumulation() * short_.model().seqLen();
    return new Measured(seconds > 0 ? tokens / seconds : steady.get(0).tokensPerSecond(), flopsPerToken);
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
      double training = train(parent, experiment, 12).tokensPerSecond();
      PrintWriter out = parent.out;
      out.printf(Locale.ROOT, "data benchmark of %s (%s), %d documents%n", experiment.name(), experiment.data().name(), documents);
      out.printf(Locale.ROOT, "  %-34s %12.0f tokens/s  %6.1fx training%n", "generate + tokenize documents", tokenizer, tokenizer / training);
      out.printf(Locale.ROOT, "  %-34s %12.0f tokens/s  %6.1fx training%n", "loader (packing, incl. tokenizing)", loader, loader / training);
      out.printf(Locale.ROOT, "  %-34s %12.0f tokens/s%n", "training step (" + experiment.model().dModel() + "d x " + experiment.model().layers() + ")", training);
      out.println(loader > training ? "  the loader is not the bottleneck" : "  WARNING: the loader is slower than training");
      out.flush();
      return 0;
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Training tokens/s and achieved FLOP/s of specs, against the engine's matrix-multiply FLOP/s.")
  static final class Train implements Callable<Integer> {
    @ParentCommand BenchCommand bench;

    @Parameters(paramLabel = "SPEC", description = "specs to measure (default: examples/default.json)") List<Path> specs;

    @Option(names = "--steps", defaultValue = "20", description = "training steps per spec (default: ${DEFAULT-VALUE})")
    int steps;

    @Override
    public Integer call() throws IOException {
      MomaCommand parent = bench.parent;
      List<Path> files = specs == null || specs.isEmpty() ? java.util.Collections.singletonList(null) : specs;
      PrintWriter out = parent.out;
      double peak = matmulFlops(parent, 512, 30);
      out.printf(Locale.ROOT, "matrix multiply (512x512 fp32, same engine): %.1f GFLOP/s%n", peak / 1e9);
      out.printf(Locale.ROOT, "  %-24s %10s %9s %12s %9s %7s%n", "spec", "tokens/s", "vs first", "FLOPs/token", "GFLOP/s", "MFU");
      double first = 0;
      for (Path file : files) {
        ExperimentSpec experiment = spec(file);
        Measured m = train(parent, experiment, steps);
        first = first == 0 ? m.tokensPerSecond() : first;
        double achieved = m.tokensPerSecond() * m.flopsPerToken();
        out.printf(Locale.ROOT, "  %-24s %10.0f %+8.0f%% %12.3g %9.2f %6.1f%%%n", experiment.name(), m.tokensPerSecond(),
            100 * (m.tokensPerSecond() / first - 1), m.flopsPerToken(), achieved / 1e9, 100 * achieved / peak);
      }
      out.println("  (matrix multiply measured again after the runs: "
          + String.format(Locale.ROOT, "%.1f", matmulFlops(parent, 512, 30) / 1e9) + " GFLOP/s)");
      out.flush();
      return 0;
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
        try (org.moma.runtime.eval.TrainedModel trained = org.moma.runtime.eval.TrainedModel.load(bench.parent.plugins, run, null)) {
          org.moma.runtime.eval.Generator generator = new org.moma.runtime.eval.Generator(trained);
          generator.generate("draw a red circle", 20, 1.0, 1.0, 0, true); // warm-up
          generator.generate("draw a red circle", 20, 1.0, 1.0, 0, false);
          double[] rates = new double[2];
          // alternate the two ways three times and keep each one's best, so neither pays for warm-up or a busy moment
          for (int round = 0; round < 3; round++) {
            for (int c = 0; c < 2; c++) {
              long start = System.nanoTime();
              org.moma.runtime.eval.Generator.Output o = generator.generate("draw a red circle", tokens, 1.0, 1.0, 1, c == 0);
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

  /** FLOP/s of an n×n float32 matrix product on the default device of the engine. */
  static double matmulFlops(MomaCommand parent, int n, int repeats) {
    Engine engine = Engine.getEngine("PyTorch");
    Device device = DeviceSpec.parse("auto").resolve(engine);
    try (NDManager manager = NDManager.newBaseManager(device, engine.getEngineName())) {
      NDArray a = manager.randomNormal(new Shape(n, n));
      NDArray b = manager.randomNormal(new Shape(n, n));
      a.matMul(b).close(); // warm-up
      long start = System.nanoTime();
      for (int i = 0; i < repeats; i++) {
        NDArray c = a.matMul(b);
        c.getFloat(0, 0); // forces completion on asynchronous devices
        c.close();
      }
      return 2.0 * n * n * n * repeats / ((System.nanoTime() - start) / 1e9);
    }
  }
}
