package org.moma.data.corpus;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.data.image.PatchCodebook;
import org.moma.data.text.ByteBpe;

/** The tokenizer options every corpus plugin shares, and training the tokenizers on a corpus. */
public final class TokenizerOptions {
  public static final List<OptionSpec> SPECS =
      List.of(
          OptionSpec.integer("imageSize", 32, "image side in pixels (images are resized to it)"),
          OptionSpec.integer("patch", 4, "VQ patch side; an image is (imageSize/patch)^2 tokens"),
          OptionSpec.integer("codebook", 256, "image codebook size"),
          OptionSpec.integer("textVocab", 512, "BPE vocabulary size (256 bytes + merges)"),
          OptionSpec.string("tokenizers", "", "folder of trained tokenizers; empty = var/tokenizers"));

  private TokenizerOptions() {}

  /** The corpus options followed by the shared tokenizer options. */
  public static List<OptionSpec> with(List<OptionSpec> own) {
    List<OptionSpec> all = new ArrayList<>(own);
    all.addAll(SPECS);
    return List.copyOf(all);
  }

  /**
   * The tokenizers for these options and corpus, loaded from the store or trained once on the
   * corpus sample the suppliers give.
   *
   * @param corpusKey names the corpus (and its sampling) in the stored folder's name
   */
  public static MixedModalTokenizer tokenizer(
      Options options, String corpusKey, Supplier<List<String>> texts, Supplier<List<BufferedImage>> images, long seed) {
    return tokenizer(options, corpusKey, texts, images, List::of, seed);
  }

  /**
   * As above; {@code heldOut} images (not used for training) measure the VQ reconstruction error,
   * which is written next to the tokenizer as {@code report.json}.
   */
  public static MixedModalTokenizer tokenizer(
      Options options, String corpusKey, Supplier<List<String>> texts, Supplier<List<BufferedImage>> images,
      Supplier<List<BufferedImage>> heldOut, long seed) {
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
    String folder = String.format(Locale.ROOT, "%s-i%d-p%d-k%d-v%d", corpusKey, imageSize, patch, codebook, textVocab);
    Path root = options.getString("tokenizers").isEmpty() ? TokenizerStore.defaultRoot() : Path.of(options.getString("tokenizers"));
    return TokenizerStore.loadOrTrain(root.resolve(folder), () -> new MixedModalTokenizer(
        ByteBpe.train(texts.get(), textVocab),
        PatchCodebook.train(images.get(), imageSize, patch, codebook, 8, seed)), heldOut);
  }
}
