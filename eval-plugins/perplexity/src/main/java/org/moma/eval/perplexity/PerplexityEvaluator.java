package org.moma.eval.perplexity;

import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.eval.EvalContext;
import org.moma.api.eval.EvalResult;
import org.moma.api.eval.EvaluatorPlugin;
import org.moma.api.eval.Scoring;
import org.osgi.service.component.annotations.Component;

/** {@code perplexity}: held-out perplexity overall, text and image (paper Table 3, "Interleaved"). */
@Component(service = EvaluatorPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=perplexity")
public final class PerplexityEvaluator implements EvaluatorPlugin {
  private static final List<OptionSpec> OPTIONS = List.of(
      OptionSpec.string("split", "valid", "held-out split of the run's dataset"),
      OptionSpec.integer("documents", 200, "documents scored"),
      OptionSpec.number("routingNoise", 0,
          "share of routing decisions flipped at random (paper 4.6): the auxiliary routers', else the batch top-k's"));

  @Override
  public String name() {
    return "perplexity";
  }

  @Override
  public String description() {
    return "held-out perplexity overall, text and image (Table 3 interleaved)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public EvalResult evaluate(EvalContext context, Options options) {
    String split = options.getString("split");
    double noise = options.getDouble("routingNoise");
    if (noise < 0 || noise > 1) {
      throw new org.moma.api.SpecException(options.path() + ".routingNoise", "must be in [0, 1], found " + noise);
    }
    context.model().setRoutingNoise(noise);
    try {
      java.util.Map<String, Object> m = new java.util.LinkedHashMap<>(
          Scoring.splitPerplexity(context, split, options.getPositiveInt("documents"), true, split));
      m.put("routingNoise", noise);
      return new EvalResult(noise > 0 ? name() + "@noise" + noise : name(), m);
    } finally {
      context.model().setRoutingNoise(0);
    }
  }
}
