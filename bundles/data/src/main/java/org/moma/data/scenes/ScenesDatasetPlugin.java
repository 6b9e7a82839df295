package org.moma.data.scenes;

import java.util.List;
import java.util.SplittableRandom;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.data.DatasetPlugin;
import org.moma.api.data.DocumentSource;
import org.moma.data.corpus.MixedModalTokenizer;
import org.moma.data.corpus.TokenizerOptions;
import org.moma.data.shapes.ShapesCorpus;
import org.moma.data.shapes.ShapesDatasetPlugin;
import org.osgi.service.component.annotations.Component;

/**
 * {@code scenes}: the default corpus. Scenes of two to five objects (5 shapes, 8 colours, 3 sizes,
 * a 3×3 grid) rendered as images and told in words: captions with counts and spatial relations,
 * questions and answers (counting, colour, shape, size, position, left/above), interleaved pairs of
 * pictures compared, and text-only documents from the same grammar. Harder than {@code shapes}, so
 * loss keeps falling over long runs and modality-aware experts have something to specialise in.
 *
 * <p>Splits: {@code train} and {@code valid} mix all kinds; {@code caption} (image→text),
 * {@code t2i} (text→image), {@code vqa}, {@code interleaved} and {@code text} hold one kind each, with
 * the scored part marked for conditional evaluators.
 */
@Component(service = DatasetPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=scenes")
public final class ScenesDatasetPlugin implements DatasetPlugin {
  private static final List<OptionSpec> OPTIONS =
      TokenizerOptions.with(
          List.of(
              OptionSpec.integer("tokenizerSeed", 1234, "seed of the sample the tokenizers are trained on"),
              OptionSpec.integer("tokenizerImages", 400, "images the VQ codebook is trained on")));

  @Override
  public String name() {
    return "scenes";
  }

  @Override
  public String description() {
    return "scenes of 2-5 objects with counts, spatial relations, questions and text-only documents (default corpus, no download)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public DocumentSource open(String split, long seed, Options options) {
    SceneDocuments.Kind kind = kindOf(split);
    SceneDocuments documents = new SceneDocuments(seed, options.getInt("imageSize"));
    return new ShapesCorpus(i -> documents.document(split, kind, i), tokenizer(options));
  }

  static SceneDocuments.Kind kindOf(String split) {
    if (split.equals("train") || split.equals("valid")) {
      return SceneDocuments.Kind.mixed;
    }
    for (SceneDocuments.Kind kind : SceneDocuments.Kind.values()) {
      if (kind != SceneDocuments.Kind.mixed && kind.name().equals(split)) {
        return kind;
      }
    }
    throw ShapesDatasetPlugin.noSplit("scenes", split, "train, valid, caption, t2i, vqa, interleaved, text");
  }

  static MixedModalTokenizer tokenizer(Options options) {
    long seed = options.getInt("tokenizerSeed");
    int imageSize = options.getPositiveInt("imageSize");
    SceneDocuments sample = new SceneDocuments(seed, imageSize);
    return ShapesDatasetPlugin.tokenizer(options, "scenes",
        i -> sample.document("tokenizer", SceneDocuments.Kind.mixed, i).segments(),
        i -> SceneGraph.random(new SplittableRandom(seed * 31 + 7_000_000 + i)).render(imageSize));
  }
}
