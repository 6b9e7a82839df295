package org.moma.evaluation;

import org.moma.runs.TrainedModel;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.moma.registry.PluginDefaults;
import org.moma.api.Options;
import org.moma.api.PluginKind;
import org.moma.api.SpecException;
import org.moma.api.data.DocumentSource;
import org.moma.api.data.Tokenizer;
import org.moma.api.eval.EvalContext;
import org.moma.api.eval.EvalResult;
import org.moma.api.eval.EvaluatorPlugin;
import org.moma.api.eval.LanguageModel;
import org.moma.api.spec.ExperimentSpec;
import org.moma.registry.Plugins;

/**
 * Runs evaluators on a trained run and records their results in {@code RUN/eval/results.json}
 * (one entry per evaluator, replaced when it runs again).
 */
public final class EvalRunner {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Plugins plugins;

  public EvalRunner(Plugins plugins) {
    this.plugins = plugins;
  }

  public EvalResult run(TrainedModel trained, String evaluator, JsonNode optionsJson, String path) {
    EvaluatorPlugin plugin = plugins.require(PluginKind.EVALUATOR, EvaluatorPlugin.class, evaluator, path + ".name");
    Options options = PluginDefaults.options(plugin, optionsJson, path + ".options");
    Path out = trained.runDirectory().resolve("eval");
    try (NDManager scope = trained.manager().newSubManager()) {
      EvalResult result = plugin.evaluate(context(trained, scope, out.resolve(evaluator)), options);
      Files.createDirectories(out); // only now: a failed evaluation leaves the run folder as it was
      record(out.resolve("results.json"), result);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(out + ": " + e.getMessage(), e);
    }
  }

  /** The evaluator's own check of the files it would read ({@code moma eval --check}); no model is loaded. */
  public java.util.List<org.moma.api.eval.InputCheck> check(String evaluator, JsonNode optionsJson, String path) {
    EvaluatorPlugin plugin = plugins.require(PluginKind.EVALUATOR, EvaluatorPlugin.class, evaluator, path + ".name");
    return plugin.checkInputs(PluginDefaults.options(plugin, optionsJson, path + ".options"));
  }

  private static EvalContext context(TrainedModel trained, NDManager scope, Path dir) {
    return new EvalContext() {
      @Override
      public LanguageModel model() {
        return trained;
      }

      @Override
      public DocumentSource split(String name) {
        return trained.split(name);
      }

      @Override
      public Tokenizer textTokenizer() {
        Tokenizer t = trained.train().textTokenizer();
        if (t == null) {
          throw new SpecException("data", "dataset '" + trained.spec().data().name()
              + "' has no text tokenizer (shards: give the 'tokenizers' option)");
        }
        return t;
      }

      @Override
      public NDManager manager() {
        return scope;
      }

      @Override
      public Path runDirectory() {
        return trained.runDirectory();
      }

      @Override
      public ExperimentSpec spec() {
        return trained.spec();
      }

      @Override
      public Path outputDir() {
        try {
          return Files.createDirectories(dir);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public boolean causal() {
        return trained.causal();
      }
    };
  }

  private static synchronized void record(Path file, EvalResult result) throws IOException {
    ObjectNode all = Files.exists(file) ? (ObjectNode) JSON.readTree(file.toFile()) : JSON.createObjectNode();
    Map<String, Object> entry = new LinkedHashMap<>(result.metrics());
    all.set(result.evaluator(), JSON.valueToTree(entry));
    Path tmp = Files.createTempFile(file.getParent(), "results", ".tmp");
    JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), all);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
