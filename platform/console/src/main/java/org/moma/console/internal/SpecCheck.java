package org.moma.console.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.moma.api.PluginKind;
import org.moma.api.SpecException;
import org.moma.api.spec.ExperimentSpec;
import org.moma.registry.Plugins;
import org.moma.spec.SpecReader;

/**
 * A spec sent to the console, checked by the code {@code moma run} uses: the spec reader's own
 * validation, then the dataset and every model plugin resolved with their options (as {@code moma
 * flops} does: no parameters are allocated), then the evaluators. A problem is a {@link
 * SpecException} naming the field.
 */
public final class SpecCheck {
  /** Room left for the "-2" … a taken name gets, within {@link RunsRoot}'s limit. */
  static final int MAX_NAME = 100;

  private SpecCheck() {}

  public static ExperimentSpec check(Plugins plugins, String body) {
    JsonNode tree;
    try {
      tree = SpecReader.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new SpecException("", "the spec is not valid JSON (line " + e.getLocation().getLineNr() + "): " + e.getOriginalMessage());
    }
    if (tree == null || !tree.isObject()) {
      throw new SpecException("", "the spec must be a JSON object");
    }
    if (tree.has("output")) {
      throw new SpecException("output", "the console picks the run folder (the spec's name, then name-2 …): leave output out");
    }
    ExperimentSpec spec = SpecReader.parse(body, "the spec");
    if (!RunsRoot.validName(spec.name()) || spec.name().length() > MAX_NAME) {
      throw new SpecException("name", "the console names the run folder after it: up to " + MAX_NAME
          + " letters, digits, '.', '_' or '-', not starting with '.' or '-' and without '..', found '" + spec.name() + "'");
    }
    org.moma.model.FlopsReport.of(plugins, spec);
    for (int i = 0; i < spec.evaluation().size(); i++) {
      plugins.require(PluginKind.EVALUATOR, org.moma.api.eval.EvaluatorPlugin.class, spec.evaluation().get(i).name(),
          "evaluation[" + i + "].name");
    }
    return spec;
  }
}
