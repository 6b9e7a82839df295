package org.moma.data.clipart;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.data.DatasetPlugin;
import org.moma.api.data.DocumentSource;
import org.moma.data.corpus.MixedModalTokenizer;
import org.moma.data.corpus.TokenizerOptions;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code clipart}: a real mixed-modal corpus from Debian packages. Image–text documents are Open
 * Clip Art's drawings ({@code openclipart-svg} for the metadata, {@code openclipart-png} for the
 * pictures) with captions from each work's title, description, keywords and category; text-only
 * documents are WordNet's glosses ({@code wordnet-base}). Text documents far outnumber drawings:
 * train with {@code training.imageRatio} so that text does not drown the images. The splits
 * {@code caption} and {@code t2i} hold the held-out drawings with the caption after or before the
 * image, for the conditional perplexities.
 */
@Component(service = DatasetPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=clipart")
public final class ClipartPlugin implements DatasetPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(ClipartPlugin.class);
  private static final List<OptionSpec> OPTIONS = TokenizerOptions.with(List.of(
      OptionSpec.string("clipart", "/usr/share/openclipart", "Open Clip Art folder with svg/ and png/ (apt-get install openclipart-svg openclipart-png)"),
      OptionSpec.string("wordnet", "/usr/share/wordnet", "WordNet folder with data.noun … (apt-get install wordnet-base); empty: drawings only"),
      OptionSpec.integer("validEvery", 20, "every n-th document by a hash of its identity is held out as 'valid'"),
      OptionSpec.number("captionFirst", 0.5, "share of drawings with the caption before the image (by a hash of the drawing)")));
  /** Documents of the train split the tokenizers learn from: texts (captions and glosses as they come), drawings. */
  private static final int TOKENIZER_TEXTS = 4000;
  private static final int TOKENIZER_IMAGES = 1000;
  private static final int REPORT_IMAGES = 64;

  @Override
  public String name() {
    return "clipart";
  }

  @Override
  public String description() {
    return "Open Clip Art drawings with captions from their metadata, and WordNet glosses as text-only documents (Debian packages)";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public DocumentSource open(String split, long seed, Options options) {
    if (!List.of("train", "valid", "caption", "t2i").contains(split)) {
      throw new SpecException("data", "clipart has the splits train, valid, caption (image then caption) and t2i (caption then"
          + " image), not '" + split + "'");
    }
    int validEvery = options.getPositiveInt("validEvery");
    double captionFirst = options.getDouble("captionFirst");
    if (!(captionFirst >= 0 && captionFirst <= 1)) {
      throw new SpecException(options.path() + ".captionFirst", "must be in [0, 1], found " + captionFirst);
    }
    Path folder = Path.of(options.getString("clipart"));
    Catalogue.Scan scan;
    try {
      scan = Catalogue.scan(folder);
    } catch (IOException e) {
      throw new SpecException(options.path() + ".clipart", e.getMessage(), e);
    }
    if (scan.drawings().isEmpty()) {
      throw new SpecException(options.path() + ".clipart", "no drawing with a PNG rendering under " + folder);
    }
    List<WordNetGlosses.Gloss> glosses = List.of();
    String wordnet = options.getString("wordnet");
    if (!wordnet.isEmpty()) {
      try {
        glosses = WordNetGlosses.read(Path.of(wordnet));
      } catch (IOException e) {
        throw new SpecException(options.path() + ".wordnet", e.getMessage(), e);
      }
    }
    List<ClipartCorpus.Entry> all = new ArrayList<>();
    scan.drawings().forEach(d -> all.add(ClipartCorpus.Entry.of(d)));
    glosses.forEach(g -> all.add(ClipartCorpus.Entry.of(g)));
    // one order for every seed: drawings and glosses mixed by a hash of their identity
    all.sort(Comparator.comparingLong((ClipartCorpus.Entry e) -> ClipartCorpus.hash(e.id())).thenComparing(ClipartCorpus.Entry::id));
    List<ClipartCorpus.Entry> train = new ArrayList<>();
    List<ClipartCorpus.Entry> valid = new ArrayList<>();
    for (ClipartCorpus.Entry e : all) {
      (ClipartCorpus.hash(e.id()) % validEvery == 0 && validEvery > 1 ? valid : train).add(e);
    }
    LOG.info("clipart: {} drawings ({} SVG links to drawings counted once, {} without a rendering, {} unreadable), {} WordNet glosses;"
            + " {} train and {} valid documents", scan.drawings().size(), scan.links(), scan.withoutRendering(), scan.unreadable(),
        glosses.size(), train.size(), valid.size());
    int imageSize = options.getPositiveInt("imageSize");
    String key = String.format("clipart-%08x", (folder.toAbsolutePath().normalize() + "|" + wordnet + "|" + all.size()).hashCode());
    MixedModalTokenizer tokenizer = TokenizerOptions.tokenizer(options, key,
        () -> train.stream().limit(TOKENIZER_TEXTS).map(ClipartCorpus.Entry::text).toList(),
        () -> images(train, TOKENIZER_IMAGES, imageSize),
        () -> images(valid, REPORT_IMAGES, imageSize), 1234);
    return switch (split) {
      case "train" -> new ClipartCorpus(train, tokenizer, imageSize, captionFirst);
      case "valid" -> new ClipartCorpus(valid, tokenizer, imageSize, captionFirst);
      // the held-out drawings for conditional perplexity: the caption scored after its image, or the image after its caption
      default -> new ClipartCorpus(valid.stream().filter(e -> e.drawing() != null).toList(), tokenizer, imageSize,
          split.equals("t2i") ? 1 : 0);
    };
  }

  /** The first {@code n} drawings of {@code entries} that decode, fitted to the tokenizer's size (the others are named when read). */
  private static List<BufferedImage> images(List<ClipartCorpus.Entry> entries, int n, int size) {
    List<BufferedImage> images = new ArrayList<>();
    for (ClipartCorpus.Entry e : entries) {
      if (images.size() == n) {
        break;
      }
      if (e.drawing() != null) {
        BufferedImage image = ClipartCorpus.render(e.drawing(), size);
        if (image != null) {
          images.add(image);
        }
      }
    }
    return images;
  }
}
