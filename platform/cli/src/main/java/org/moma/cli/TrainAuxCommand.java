package org.moma.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.moma.runs.TrainedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code moma train-aux RUN}: auxiliary routers for causal inference (paper §2.4). */
@Command(name = "train-aux", mixinStandardHelpOptions = true,
    description = "Train auxiliary routers of a run's expert groups (main model frozen); evaluations then route causally.")
final class TrainAuxCommand implements Callable<Integer> {
  @ParentCommand MomaCommand parent;

  @Parameters(index = "0", paramLabel = "RUN") Path run;

  @Option(names = "--steps", defaultValue = "200", description = "training batches (default: ${DEFAULT-VALUE})") int steps;

  @Option(names = "--batch", defaultValue = "8", description = "sequences per batch (default: ${DEFAULT-VALUE})") int batch;

  @Option(names = "--auxiliary", paramLabel = "NAME",
      description = "auxiliary-router plugin (mlp, linear, joint … see 'moma list'); default: the spec's model.auxiliary, else mlp")
  String auxiliary;

  @Option(names = "--lr", defaultValue = "0.001", description = "learning rate (default: ${DEFAULT-VALUE})") double learningRate;

  @Override
  public Integer call() throws IOException {
    try (TrainedModel trained = TrainedModel.load(parent.plugins, run, null)) {
      Map<String, Object> report = org.moma.evaluation.AuxiliaryTraining.train(trained, 
          auxiliary == null ? null : org.moma.api.spec.PluginRef.of(auxiliary), steps, batch, learningRate, s -> { });
      parent.out.println("auxiliary routers '" + report.get("auxiliary") + "' of " + run + " (held-out precision / recall / accuracy against batch top-k):");
      report.forEach((k, v) -> parent.out.printf(java.util.Locale.ROOT, "  %-32s %s%n", k,
          v instanceof Double d ? String.format(java.util.Locale.ROOT, "%.4f", d) : v));
      parent.out.println("saved to " + run.resolve("aux"));
      parent.out.flush();
    }
    return 0;
  }
}
