package org.moma.data.shapes;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.data.DatasetPlugin;
import org.moma.api.data.DocumentSource;
import org.moma.data.corpus.MixedModalTokenizer;
import org.moma.data.corpus.Segment;
import org.moma.data.corpus.TokenizerOptions;
import org.osgi.service.component.annotations.Component;

/**
 * {@code shapes}: the embedded default corpus. Rendered scenes of coloured shapes with captions,
 * questions and answers, generated from the seed in any amount; BPE and VQ tokenizers trained on
 * a sample of it once and kept under {@code var/tokenizers}.
 *
 * <p>Splits: {@code train} and {@code valid} mix all document kinds; the held-out splits
 * {@code caption} (image→text), {@code t2i} (text→image), {@code vqa} and {@code interleaved} hold
 * one kind each, with the scored part marked for conditional evaluators.
 */
@Component(service = DatasetPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=shapes")
public final class ShapesDatasetPlugin implements DatasetPlugin {
  private static final List<OptionSpec> OPTIONS =
      TokenizerOptions.with(
          List.of(
              OptionSpec.integer("tokenizerSeed", 1234, "seed of the sample the tokenizers are trained on"),
              OptionSpec.integer("tokenizerImages", 300, "images the VQ codebook is trained on")));

  @Override
  public String name() {
    return "shapes";
  }

  @Override
  public String description() {
    return "rendered shape scenes with captions, questions and answers (default corpus, no download)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public DocumentSource open(String split, long seed, Options options) {
    ShapesDocuments.Kind kind = kindOf(split);
    MixedModalTokenizer tokenizer = tokenizer(options);
    ShapesDocuments documents = new ShapesDocuments(seed, options.getInt("imageSize"));
    return new ShapesCorpus(i -> documents.document(split, kind, i), tokenizer);
  }

  static ShapesDocuments.Kind kindOf(String split) {
    switch (split) {
      case "train":
      case "valid":
        return ShapesDocuments.Kind.mixed;
      default:
        try {
          ShapesDocuments.Kind kind = ShapesDocuments.Kind.valueOf(split);
          if (kind != ShapesDocuments.Kind.mixed) {
            return kind;
          }
        } catch (IllegalArgumentException ignored) {
          // reported below
        }
        throw noSplit("shapes", split, "train, valid, caption, t2i, vqa, interleaved");
    }
  }

  /** The error for a split a generated corpus does not have. */
  public static SpecException noSplit(String corpus, String split, String splits) {
    return new SpecException("data", "the " + corpus + " corpus has no split '" + split + "' (splits: " + splits + ")");
  }

  /** The tokenizers for these options, trained on first use. */
  public static MixedModalTokenizer tokenizer(Options options) {
    int imageSize = options.getPositiveInt("imageSize");
    long seed = options.getInt("tokenizerSeed");
    ShapesDocuments sample = new ShapesDocuments(seed, imageSize);
    return tokenizer(options, "shapes", i -> sample.document("tokenizer", ShapesDocuments.Kind.mixed, i).segments(),
        i -> Scene.random(new java.util.SplittableRandom(seed * 31 + 7_000_000 + i)).render(imageSize));
  }

  /**
   * The tokenizers of a generated corpus, trained on first use: BPE on the text of 2000 sample
   * documents, the VQ codebook on the first {@code tokenizerImages} of their images, measured on
   * 100 held-out images; kept under the corpus's name, seed and image count.
   */
  public static MixedModalTokenizer tokenizer(Options options, String corpus,
      java.util.function.LongFunction<List<Segment>> sample, java.util.function.LongFunction<BufferedImage> heldOutImage) {
    long seed = options.getInt("tokenizerSeed");
    int images = options.getPositiveInt("tokenizerImages");
    List<String> texts = new ArrayList<>();
    List<BufferedImage> pictures = new ArrayList<>();
    return TokenizerOptions.tokenizer(
        options,
        corpus + "-s" + seed + "-n" + images,
        () -> {
          for (int i = 0; i < 2000; i++) {
            for (Segment s : sample.apply(i)) {
              if (!s.isImage()) {
                texts.add(s.text());
              } else if (pictures.size() < images) {
                pictures.add(s.image());
              }
            }
          }
          return texts;
        },
        () -> pictures,
        () -> {
          List<BufferedImage> heldOut = new ArrayList<>();
          for (int i = 0; i < 100; i++) {
            heldOut.add(heldOutImage.apply(i));
          }
          return heldOut;
        },
        seed);
  }
}
