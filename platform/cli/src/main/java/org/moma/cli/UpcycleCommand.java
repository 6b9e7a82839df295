package org.moma.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.moma.api.spec.ExperimentSpec;
import org.moma.spec.SpecReader;
import org.moma.training.Upcycler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code moma upcycle RUN --to SPEC}: seed a many-expert run from a one-expert-per-modality run. */
@Command(name = "upcycle", mixinStandardHelpOptions = true,
    description = "Turn a moe_1t1i run into the start of a run with more experts per modality (paper 2.5); continue it with 'moma run --resume'.")
final class UpcycleCommand implements Callable<Integer> {
  @ParentCommand MomaCommand parent;

  @Parameters(index = "0", paramLabel = "RUN", description = "the seed run (one expert per modality)") Path run;

  @Option(names = "--to", required = true, description = "spec of the upcycled model (its output is the new run folder)") Path to;

  @Override
  public Integer call() throws IOException {
    ExperimentSpec target = SpecReader.read(to);
    Path created = new Upcycler(parent.plugins).upcycle(run, target, Path.of(target.output()));
    parent.out.println("upcycled " + run + " into " + created + "; continue with: moma run --resume " + created);
    parent.out.flush();
    return 0;
  }
}
