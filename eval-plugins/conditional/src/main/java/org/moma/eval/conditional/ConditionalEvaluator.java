package org.moma.eval.conditional;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.eval.EvalContext;
import org.moma.api.eval.EvalResult;
import org.moma.api.eval.EvaluatorPlugin;
import org.moma.api.eval.Scoring;
import org.osgi.service.component.annotations.Component;

/**
 * {@code conditional}: image→text perplexity (the caption given the image) and text→image
 * perplexity (the image tokens given the caption), as in the paper's Table 3.
 */
@Component(service = EvaluatorPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=conditional")
public final class ConditionalEvaluator implements EvaluatorPlugin {
  private static final List<OptionSpec> OPTIONS = List.of(
      OptionSpec.string("imageToText", "caption", "split whose scored part is a caption after an image"),
      OptionSpec.string("textToImage", "t2i", "split whose scored part is an image after its caption"),
      OptionSpec.integer("documents", 200, "documents scored per direction"));

  @Override
  public String name() {
    return "conditional";
  }

  @Override
  public String description() {
    return "image-to-text and text-to-image conditional perplexity (Table 3)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public EvalResult evaluate(EvalContext context, Options options) {
    int n = options.getPositiveInt("documents");
    Map<String, Object> m = new LinkedHashMap<>();
    m.putAll(Scoring.splitPerplexity(context, options.getString("imageToText"), n, false, "imageToText"));
    m.putAll(Scoring.splitPerplexity(context, options.getString("textToImage"), n, false, "textToImage"));
    return new EvalResult(name(), m);
  }
}
