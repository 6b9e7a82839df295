package org.moma.data.files;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.OptionType;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.data.DatasetPlugin;
import org.moma.api.data.DocumentSource;
import org.moma.data.corpus.MixedModalTokenizer;
import org.moma.data.corpus.Segment;
import org.moma.data.corpus.SegmentedCorpus;
import org.moma.data.corpus.TokenizerOptions;
import org.osgi.service.component.annotations.Component;

/**
 * {@code idx}: MNIST or Fashion-MNIST as captioned image documents — "a photo of a sneaker." then
 * the image, or the image then its caption, alternating (Debian's {@code dataset-fashion-mnist}
 * installs the files under {@code /usr/share/datasets/fashion-mnist}).
 */
@Component(service = DatasetPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=idx")
public final class IdxDatasetPlugin implements DatasetPlugin {
  static final String[] FASHION = {
    "t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"
  };
  static final String[] DIGITS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
  private static final List<OptionSpec> OPTIONS =
      TokenizerOptions.with(
          List.of(
              new OptionSpec("images", OptionType.STRING, null, "IDX image file (.gz allowed)"),
              new OptionSpec("labels", OptionType.STRING, null, "IDX label file (.gz allowed)"),
              OptionSpec.string("classes", "fashion", "label names: fashion or digits"),
              OptionSpec.integer("validEvery", 20, "every n-th image is held out as 'valid'")));

  @Override
  public String name() {
    return "idx";
  }

  @Override
  public String description() {
    return "MNIST / Fashion-MNIST IDX files as captioned image documents";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public DocumentSource open(String split, long seed, Options options) {
    String[] names = switch (options.getString("classes")) {
      case "fashion" -> FASHION;
      case "digits" -> DIGITS;
      default -> throw new SpecException(options.path() + ".classes", "use fashion or digits, found '" + options.getString("classes") + "'");
    };
    IdxImages idx;
    try {
      idx = IdxImages.read(Path.of(options.getString("images")), Path.of(options.getString("labels")));
    } catch (IOException e) {
      throw new SpecException(options.path(), e.getMessage(), e);
    }
    for (int i = 0; i < idx.count(); i++) {
      if (idx.label(i) >= names.length) {
        throw new SpecException(options.path() + ".labels", "label " + idx.label(i) + " of item " + i + " has no class name");
      }
    }
    MixedModalTokenizer tokenizer =
        TokenizerOptions.tokenizer(
            options,
            "idx-" + options.getString("classes") + "-" + idx.count(),
            () -> {
              List<String> texts = new ArrayList<>();
              for (int i = 0; i < Math.min(idx.count(), 2000); i++) {
                texts.addAll(captions(names[idx.label(i)]));
              }
              return texts;
            },
            () -> {
              List<BufferedImage> images = new ArrayList<>();
              for (int i = 0; i < Math.min(idx.count(), 300); i++) {
                images.add(idx.image(i));
              }
              return images;
            },
            1234);
    return new SegmentedCorpus(idx.count(), split, options.getPositiveInt("validEvery"),
        i -> entry(idx, names, (int) i), tokenizer);
  }

  private static List<String> captions(String name) {
    return List.of("a photo of a " + name + ". ", " this is a " + name + ".");
  }

  private static SegmentedCorpus.Entry entry(IdxImages idx, String[] names, int i) {
    List<String> captions = captions(names[idx.label(i)]);
    Segment image = Segment.image(idx.image(i));
    return i % 2 == 0
        ? new SegmentedCorpus.Entry(List.of(Segment.text(captions.get(0)), image), 1)
        : new SegmentedCorpus.Entry(List.of(image, Segment.text(captions.get(1))), 1);
  }
}
