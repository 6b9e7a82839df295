package org.moma.data.synthetic;

import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.data.DatasetPlugin;
import org.moma.api.data.DocumentSource;
import org.osgi.service.component.annotations.Component;

/**
 * {@code synthetic}: interleaved token documents generated from a seed, for smoke runs and tests.
 * Each document is a text span, an image grid whose codes are a function of that text, and a text
 * span that depends on the image — so both modalities are learnable and depend on each other.
 */
@Component(service = DatasetPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=synthetic")
public final class SyntheticDatasetPlugin implements DatasetPlugin {
  private static final List<OptionSpec> OPTIONS =
      List.of(
          OptionSpec.integer("textVocab", 96, "number of text token ids"),
          OptionSpec.integer("imageCodes", 64, "image codebook size"),
          OptionSpec.integer("grid", 4, "image grid side; an image is grid*grid codes"),
          OptionSpec.integer("textLength", 12, "mean text span length"));

  @Override
  public String name() {
    return "synthetic";
  }

  @Override
  public String description() {
    return "generated interleaved token documents (text, image grid, text), no download";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public DocumentSource open(String split, long seed, Options options) {
    return new SyntheticCorpus(
        split,
        seed,
        options.getPositiveInt("textVocab"),
        options.getPositiveInt("imageCodes"),
        options.getPositiveInt("grid"),
        options.getPositiveInt("textLength"));
  }
}
