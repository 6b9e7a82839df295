package org.moma.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.PluginKind;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.ShardFile;
import org.moma.api.dist.Collectives;
import org.moma.api.spec.ExperimentSpec;
import org.moma.registry.Plugins;
import org.moma.registry.SpecDataset;
import org.moma.spec.SpecReader;
import org.moma.training.ExperimentRunner;
import org.moma.training.RunResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code moma}: the top-level command and its subcommands. */
@Command(
    name = "moma",
    mixinStandardHelpOptions = true,
    version = "MoMa Platform 0.1.0",
    description = "Mixed-modal early-fusion models with modality-aware sparsity.",
    subcommands = {MomaCommand.ListCommand.class, MomaCommand.RunCommand.class, MomaCommand.TokenizeCommand.class,
        MomaCommand.FlopsCommand.class, EvalCommand.class, ReportCommand.class, TrainAuxCommand.class, UpcycleCommand.class, GenerateCommand.class, BenchCommand.class, EnvCommand.class, PackCommand.class, RunsCommand.class, MomaCommand.ShellCommand.class,
        MomaCommand.ConsoleCommand.class})
final class MomaCommand implements Callable<Integer> {
  final Plugins plugins;
  final Collectives world;
  final PrintWriter out;

  MomaCommand(Plugins plugins, Collectives world, PrintWriter out) {
    this.plugins = plugins;
    this.world = world;
    this.out = out;
  }

  @Override
  public Integer call() {
    out.println("moma: give a command (list, run, runs, console, eval, report, flops, tokenize, bench, env, shell); 'moma --help' lists them.");
    return MomaCommandLine.USAGE;
  }

  /** Where the distribution lives ({@code bin/moma} sets it); specs and examples resolve from it. */
  static Path home() {
    return Path.of(System.getProperty("moma.home", "."));
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the routers, layers, depth wrappers, evaluators, datasets and tokenizers installed now.")
  static final class ListCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand MomaCommand parent;

    @Override
    public Integer call() {
      for (PluginKind kind : PluginKind.values()) {
        var installed = parent.plugins.all(kind);
        parent.out.printf(Locale.ROOT, "%s (%d)%n", kind.label() + "s", installed.size());
        for (MomaPlugin plugin : installed) {
          parent.out.printf(Locale.ROOT, "  %-16s %s  [%s]%n", plugin.name(), plugin.description(),
              parent.plugins.origin(plugin));
          for (OptionSpec option : plugin.options()) {
            parent.out.printf(Locale.ROOT, "      %s%n", option.describe());
          }
        }
      }
      List<String> failures = parent.plugins.failures();
      if (!failures.isEmpty()) {
        parent.out.printf(Locale.ROOT, "problems (%d)%n", failures.size());
        failures.forEach(f -> parent.out.printf(Locale.ROOT, "  %s%n", f));
      }
      parent.out.flush();
      return 0;
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Train (and evaluate) the experiment a spec describes.")
  static final class RunCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand MomaCommand parent;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC",
        description = "experiment spec (JSON); default: examples/default.json of the distribution")
    Path spec;

    @Option(names = "--resume", paramLabel = "RUN", description = "continue the run in this folder from its latest checkpoint")
    Path resume;

    @Option(names = "--device", description = "cpu, gpu, gpu:N or auto (overrides the spec)")
    String device;

    @Option(names = "--output", description = "run folder (overrides the spec's output); one that holds a run is refused."
        + " Without it, a taken folder NAME becomes NAME-2, NAME-3 …")
    Path output;

    @Option(names = "--steps", description = "number of training steps (overrides the spec; warm-up is clamped to it)")
    Integer steps;

    @Option(names = "--ranks", paramLabel = "N",
        description = "train data-parallel in N local processes started by Open MPI's mpirun (the spec's batchSize is the global batch)")
    Integer ranks;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
      if (ranks != null && ranks != 1) {
        if (ranks > 1) { // refuse a batch that cannot be shared before any rank starts
          ExperimentSpec job = SpecReader.read(resume != null ? resume.resolve("spec.json") : spec != null ? spec : home().resolve("examples/default.json"));
          ExperimentRunner.requireDivisible(job.training(), ranks);
        }
        return Launch.ranks(ranks, parent.world, command.commandLine().getParseResult().originalArgs());
      }
      // progress goes to the spec's metrics sinks: the console sink on this command's output unless it names others
      ExperimentRunner runner = new ExperimentRunner(parent.plugins, parent.world, parent.world.rank() == 0 ? parent.out : null);
      if (resume != null) {
        if (spec != null || device != null || output != null || steps != null) {
          throw new IllegalArgumentException("--resume continues a run with its own spec: give no SPEC, --device, --output or --steps");
        }
        return report(parent.out, runner.resume(resume, m -> { }));
      }
      Path file = spec != null ? spec : home().resolve("examples/default.json");
      ExperimentSpec experiment = SpecReader.read(file);
      if (device != null) {
        experiment = experiment.withDevice(device).validate();
      }
      if (output != null) {
        if (parent.world.isSingle()) {
          org.moma.runs.RunFolder.requireNoRun(output); // before the first line (a job's ranks agree on it later)
        }
        experiment = experiment.withOutput(output.toString());
      } else if (parent.world.rank() == 0) {
        // the spec's own folder is a default, not a choice: never overwrite an earlier run in it
        Path free = org.moma.runs.RunFolder.nextFree(Path.of(experiment.output()));
        if (!free.equals(Path.of(experiment.output()))) {
          parent.out.printf(Locale.ROOT, "%s holds an earlier run: this one goes to %s%n", experiment.output(), free);
          experiment = experiment.withOutput(free.toString());
        }
      }
      if (steps != null) {
        if (steps <= 0) {
          throw new IllegalArgumentException("--steps must be positive, found " + steps);
        }
        experiment = experiment.withTraining(experiment.training().withSteps(steps));
      }
      PrintWriter out = parent.out;
      out.printf(Locale.ROOT, "run %s: %d steps, spec %s%n", experiment.name(), experiment.training().steps(), file);
      RunResult result = runner.run(experiment, m -> { });
      report(out, result);
      if (!experiment.evaluation().isEmpty() && parent.world.rank() == 0) {
        try (org.moma.runs.TrainedModel trained =
            org.moma.runs.TrainedModel.load(parent.plugins, result.directory(), experiment.device())) {
          for (int i = 0; i < experiment.evaluation().size(); i++) {
            org.moma.api.spec.PluginRef e = experiment.evaluation().get(i);
            EvalCommand.print(out, new org.moma.evaluation.EvalRunner(parent.plugins).run(trained, e.name(), e.options(),
                "evaluation[" + i + "]"));
          }
        }
        try {
          org.moma.reports.RunReport.write(result.directory()); // the report shows the evaluations too
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(result.directory() + ": cannot write report.html: " + e.getMessage(), e);
        }
      }
      return 0;
    }
  }

  static int report(PrintWriter out, RunResult result) {
    out.printf(Locale.ROOT, "done on %s: final loss %.4f, %.0f tokens/s, %.3g training FLOPs/token%n",
        result.device(), result.finalLoss(), result.tokensPerSecond(), result.trainingFlopsPerToken());
    out.printf(Locale.ROOT, "report: %s%n", result.directory().toAbsolutePath().resolve("report.html"));
    out.flush();
    return 0;
  }

  @Command(name = "flops", mixinStandardHelpOptions = true,
      description = "Active FLOPs per token of a spec's model, layer by layer (multiply-adds count 2).")
  static final class FlopsCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand MomaCommand parent;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC", description = "experiment spec (default: examples/default.json)")
    Path spec;

    @Override
    public Integer call() {
      ExperimentSpec experiment = SpecReader.read(spec != null ? spec : home().resolve("examples/default.json"));
      org.moma.model.FlopsReport.of(parent.plugins, experiment).print(parent.out);
      parent.out.flush();
      return 0;
    }
  }

  @Command(name = "tokenize", mixinStandardHelpOptions = true,
      description = "Write a split of a spec's dataset as a pre-tokenised shard (for the 'shards' dataset).")
  static final class TokenizeCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand MomaCommand parent;

    @Parameters(index = "0", paramLabel = "SPEC", description = "experiment spec whose data section is tokenized")
    Path spec;

    @Option(names = "--split", defaultValue = "train", description = "split to write (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--documents", description = "number of documents (required for unbounded generated corpora)")
    Long documents;

    @Option(names = "--out", required = true, description = "shard file to write")
    Path out;

    @Override
    public Integer call() throws java.io.IOException {
      ExperimentSpec experiment = SpecReader.read(spec);
      DocumentSource source = SpecDataset.of(parent.plugins, experiment).open(split);
      long count = documents != null ? documents : source.size();
      if (count == Long.MAX_VALUE) {
        throw new IllegalArgumentException("'" + experiment.data().name() + "' is unbounded: give --documents N");
      }
      if (count <= 0 || count > source.size()) {
        throw new IllegalArgumentException("--documents must be in [1, " + source.size() + "], found " + count);
      }
      long start = System.nanoTime();
      ShardFile.write(out, source, count);
      ShardFile written = ShardFile.open(out);
      long[] tokens = new long[2]; // text, image
      long imageDocuments = 0;
      for (long i = 0; i < written.size(); i++) {
        boolean image = false;
        for (byte m : written.document(i).modalities()) {
          image |= m == org.moma.api.model.Modality.IMAGE.id();
          tokens[m == org.moma.api.model.Modality.IMAGE.id() ? 1 : 0]++;
        }
        imageDocuments += image ? 1 : 0;
      }
      parent.out.printf(Locale.ROOT, "wrote %d documents (%d with images) to %s in %.1f s: %d text and %d image tokens (%s)%n",
          written.size(), imageDocuments, out, (System.nanoTime() - start) / 1e9, tokens[0], tokens[1], written.vocabulary().identity());
      parent.out.flush();
      return 0;
    }
  }

  /** Listed here for 'moma --help'; the launcher starts the console bundle's own command instead. */
  @Command(name = "console", mixinStandardHelpOptions = true,
      description = "Serve the runs, their live charts, the plugins and a form for new runs in a browser"
          + " (options: --port, --runs, --host, --token-file; 'moma console --help').")
  static final class ConsoleCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new IllegalArgumentException("the console is started by the launcher: run 'bin/moma console'");
    }
  }

  @Command(name = "shell", mixinStandardHelpOptions = true,
      description = "Open the Gogo shell with the moma commands (moma:list, moma:run).")
  static final class ShellCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new IllegalArgumentException("the shell is opened by the launcher: run 'bin/moma shell'");
    }
  }
}
