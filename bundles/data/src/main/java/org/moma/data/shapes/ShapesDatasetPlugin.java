package org.moma.data.shapes;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.data.DatasetPlugin;
import org.moma.api.data.DocumentSource;
import org.moma.data.corpus.MixedModalTokenizer;
import org.moma.data.corpus.Segment;
import org.moma.data.corpus.TokenizerStore;
import org.moma.data.image.PatchCodebook;
import org.moma.data.text.ByteBpe;
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
      List.of(
          OptionSpec.integer("imageSize", 32, "image side in pixels"),
          OptionSpec.integer("patch", 4, "VQ patch side; an image is (imageSize/patch)^2 tokens"),
          OptionSpec.integer("codebook", 256, "image codebook size"),
          OptionSpec.integer("textVocab", 512, "BPE vocabulary size (256 bytes + merges)"),
          OptionSpec.integer("tokenizerSeed", 1234, "seed of the sample the tokenizers are trained on"),
          OptionSpec.integer("tokenizerImages", 300, "images the VQ codebook is trained on"),
          OptionSpec.string("tokenizers", "", "folder of trained tokenizers; empty = var/tokenizers"));

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
    return new ShapesCorpus(new ShapesDocuments(seed, options.getInt("imageSize")), split, kind, tokenizer);
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
        throw new SpecException("data", "the shapes corpus has no split '" + split
            + "' (splits: train, valid, caption, t2i, vqa, interleaved)");
    }
  }

  /** The tokenizers for these options, trained on first use. */
  public static MixedModalTokenizer tokenizer(Options options) {
    int imageSize = options.getPositiveInt("imageSize");
    int patch = options.getPositiveInt("patch");
    if (imageSize % patch != 0) {
      throw new SpecException(options.path() + ".patch", "must divide imageSize (" + imageSize + ")");
    }
    int codebook = options.getPositiveInt("codebook");
    int textVocab = options.getInt("textVocab");
    if (textVocab < 256) {
      throw new SpecException(options.path() + ".textVocab", "byte-level BPE needs at least 256, found " + textVocab);
    }
    long seed = options.getInt("tokenizerSeed");
    int images = options.getPositiveInt("tokenizerImages");
    String folder = String.format(Locale.ROOT, "shapes-s%d-i%d-p%d-k%d-v%d-n%d", seed, imageSize, patch, codebook, textVocab, images);
    Path root = options.getString("tokenizers").isEmpty() ? TokenizerStore.defaultRoot() : Path.of(options.getString("tokenizers"));
    return TokenizerStore.loadOrTrain(root.resolve(folder), () -> train(seed, imageSize, patch, codebook, textVocab, images));
  }

  private static MixedModalTokenizer train(long seed, int imageSize, int patch, int codebook, int textVocab, int images) {
    ShapesDocuments sample = new ShapesDocuments(seed, imageSize);
    List<String> texts = new ArrayList<>();
    List<BufferedImage> pictures = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      for (Segment s : sample.document("tokenizer", ShapesDocuments.Kind.mixed, i).segments()) {
        if (s.isImage()) {
          if (pictures.size() < images) {
            pictures.add(s.image());
          }
        } else {
          texts.add(s.text());
        }
      }
    }
    return new MixedModalTokenizer(
        ByteBpe.train(texts, textVocab), PatchCodebook.train(pictures, imageSize, patch, codebook, 8, seed));
  }
}
