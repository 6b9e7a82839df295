package org.moma.eval.vqa;

import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.eval.EvalContext;
import org.moma.api.eval.EvalResult;
import org.moma.api.eval.EvaluatorPlugin;
import org.moma.api.eval.Scoring;
import org.osgi.service.component.annotations.Component;

/** {@code vqa}: perplexity of the ground-truth answer given the image and the question. */
@Component(service = EvaluatorPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=vqa")
public final class VqaEvaluator implements EvaluatorPlugin {
  private static final List<OptionSpec> OPTIONS = List.of(
      OptionSpec.string("split", "vqa", "split of image, question, answer documents (answer scored)"),
      OptionSpec.integer("documents", 200, "questions scored"));

  @Override
  public String name() {
    return "vqa";
  }

  @Override
  public String description() {
    return "answer perplexity given image and question";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public EvalResult evaluate(EvalContext context, Options options) {
    return new EvalResult(name(), Scoring.splitPerplexity(context, options.getString("split"),
        options.getPositiveInt("documents"), false, "answer"));
  }
}
