package org.moma.api.eval;

import org.moma.api.MomaPlugin;
import org.moma.api.Options;

/** Evaluates a trained model: perplexities, multiple-choice accuracy, routing statistics … */
public interface EvaluatorPlugin extends MomaPlugin {
  EvalResult evaluate(EvalContext context, Options options);
}
