package org.moma.api.eval;

import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.Options;

/** Evaluates a trained model: perplexities, multiple-choice accuracy, routing statistics … */
public interface EvaluatorPlugin extends MomaPlugin {
  EvalResult evaluate(EvalContext context, Options options);

  /**
   * Checks the files this evaluator would read with {@code options}, without a model, so that an
   * evaluation of hours does not fail at its end. One entry per input; none for an evaluator that
   * reads only the run's own data.
   */
  default List<InputCheck> checkInputs(Options options) {
    return List.of();
  }
}
