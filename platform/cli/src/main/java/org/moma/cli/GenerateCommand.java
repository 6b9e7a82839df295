package org.moma.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.moma.evaluation.Generator;
import org.moma.runs.TrainedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code moma generate RUN --prompt …}: mixed-modal sampling with a KV cache; images become PNG files. */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Sample text and images from a trained run (needs causal routing: dense, 1t1i, or 'moma train-aux').")
final class GenerateCommand implements Callable<Integer> {
  @ParentCommand MomaCommand parent;

  @Parameters(index = "0", paramLabel = "RUN") Path run;

  @Option(names = "--prompt", required = true, description = "prompt text; repeat for several prompts") List<String> prompts;

  @Option(names = "--max-tokens", defaultValue = "120",
      description = "tokens generated per prompt at most (default: ${DEFAULT-VALUE})") int maxTokens;

  @Option(names = "--temperature", defaultValue = "0.8",
      description = "sampling temperature; lower is more deterministic, 0 is greedy (default: ${DEFAULT-VALUE})") double temperature;

  @Option(names = "--no-cache", description = "recompute the whole prefix for every token instead of using the KV cache"
      + " (slower; the same tokens when routing is causal)") boolean noCache;

  @Option(names = "--top-p", defaultValue = "0.95",
      description = "nucleus sampling: draw from the smallest set of tokens whose probability reaches this (default: ${DEFAULT-VALUE})") double topP;

  @Option(names = "--seed", defaultValue = "0",
      description = "random seed of the sampler; the same seed gives the same samples (default: ${DEFAULT-VALUE})") long seed;

  @Option(names = "--out", defaultValue = "generated", description = "folder for generated PNGs (default: ${DEFAULT-VALUE})") Path out;

  @Override
  public Integer call() throws IOException {
    try (TrainedModel trained = TrainedModel.load(parent.plugins, run, null)) {
      if (temperature < 0 || !(topP > 0 && topP <= 1)) {
        throw new IllegalArgumentException("--temperature must be 0 (greedy) or more and --top-p in (0, 1], found "
            + temperature + " and " + topP);
      }
      Generator generator = new Generator(trained);
      Files.createDirectories(out);
      long start = System.nanoTime();
      List<Generator.Output> outputs = new java.util.ArrayList<>();
      if (noCache) {
        for (int p = 0; p < prompts.size(); p++) {
          outputs.add(generator.generate(prompts.get(p), maxTokens, temperature, topP, seed + p, false));
        }
      } else {
        outputs.addAll(generator.generate(prompts, maxTokens, temperature, topP, seed));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      int total = 0;
      for (int p = 0; p < prompts.size(); p++) {
        Generator.Output o = outputs.get(p);
        total += o.tokens();
        parent.out.printf(Locale.ROOT, "[%d] %s%n", p + 1, o.text().strip());
        for (int i = 0; i < o.images().size(); i++) {
          Path png = out.resolve(String.format(Locale.ROOT, "prompt%d-image%d.png", p + 1, i + 1));
          ImageIO.write(o.images().get(i), "png", png.toFile());
          parent.out.printf(Locale.ROOT, "    image %d -> %s%n", i + 1, png);
        }
      }
      parent.out.printf(Locale.ROOT, "%d prompts, %d tokens in %.2f s (%.0f tokens/s, %s)%n", prompts.size(), total, seconds,
          total / seconds, noCache ? "recomputing the prefix for every token" : "one batch with a KV cache");
      parent.out.flush();
    }
    return 0;
  }
}
