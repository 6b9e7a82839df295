package org.moma.data.webdataset;

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
import org.moma.data.corpus.TokenizerOptions;
import org.moma.data.corpus.TokenizerStore;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code webdataset}: image–text pairs from WebDataset tar shards, the layout img2dataset writes for
 * CC3M, CC12M, LAION or COYO. Shards are indexed once (cached) and never unpacked; samples are
 * read by offset, so the loader's position stays one number. A bad sample (an image that does not
 * decode, no caption, a truncated member) is named with its shard and key, then skipped and
 * counted, or ends the run ({@code onError: fail}).
 */
@Component(service = DatasetPlugin.class, property = MomaPlugin.NAME_PROPERTY + "=webdataset")
public final class WebDatasetPlugin implements DatasetPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(WebDatasetPlugin.class);
  private static final List<OptionSpec> OPTIONS = TokenizerOptions.with(List.of(
      new OptionSpec("shards", OptionType.JSON, null, "tar shards: a list, a glob, or data/{00000..00127}.tar"),
      OptionSpec.string("onError", "skip", "a bad sample: skip (named and counted) or fail (the run ends)"),
      OptionSpec.integer("validEvery", 20, "every n-th sample by a hash of its key is held out as 'valid' (0: none)"),
      OptionSpec.number("captionFirst", 0.5, "share of documents with the caption before the image (by a hash of the key)")));

  @Override
  public String name() {
    return "webdataset";
  }

  @Override
  public String description() {
    return "image-text pairs from WebDataset tar shards (img2dataset's layout): jpg/png/webp with json or txt captions";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public DocumentSource open(String split, long seed, Options options) {
    if (!split.equals("train") && !split.equals("valid")) {
      throw new SpecException("data", "webdataset has the splits train and valid, not '" + split + "'");
    }
    String onError = options.getString("onError");
    if (!onError.equals("skip") && !onError.equals("fail")) {
      throw new SpecException(options.path() + ".onError", "must be skip or fail, found '" + onError + "'");
    }
    boolean fail = onError.equals("fail");
    List<Path> shards = ShardList.expand(options.getJson("shards"), options.path() + ".shards");
    Path tokenizers = options.getString("tokenizers").isEmpty() ? TokenizerStore.defaultRoot() : Path.of(options.getString("tokenizers"));
    WebDataset data;
    try {
      data = WebDataset.open(shards, tokenizers.resolveSibling("webdataset"));
    } catch (TarIndex.NotATar e) {
      throw new SpecException(options.path() + ".shards", e.getMessage());
    } catch (IOException e) {
      throw new SpecException(options.path() + ".shards", "cannot read the shards: " + e.getMessage(), e);
    }
    for (WebDataset.Problem p : data.problems()) {
      if (fail) {
        throw new SpecException(options.path() + ".onError", p + " (onError: fail)");
      }
      LOG.warn("skipped bad sample {}", p);
    }
    int validEvery = options.getInt("validEvery");
    List<WebDataset.Sample> mine = new ArrayList<>();
    for (WebDataset.Sample s : data.samples()) {
      if (WebDataset.heldOut(s.key(), validEvery) == split.equals("valid")) {
        mine.add(s);
      }
    }
    if (mine.isEmpty()) {
      throw new SpecException(options.path() + ".shards", "no usable sample in the '" + split + "' split of " + shards.size() + " shard(s)");
    }
    String key = "webdataset-" + Integer.toHexString(shards.stream().map(p -> p.toAbsolutePath().normalize().toString()).toList().hashCode());
    List<WebDataset.Sample> sample = data.samples().stream().filter(s -> !WebDataset.heldOut(s.key(), validEvery)).limit(2000).toList();
    MixedModalTokenizer tokenizer = TokenizerOptions.tokenizer(options, key,
        () -> sample.stream().map(WebDataset.Sample::caption).toList(),
        () -> decodable(data, sample), 1234);
    return new WebDatasetSource(data, mine, tokenizer, options.getDouble("captionFirst"), fail, data.problems().size(),
        options.path() + ".onError");
  }

  /** The images of the samples that decode, for training the image tokenizer. */
  private static List<BufferedImage> decodable(WebDataset data, List<WebDataset.Sample> samples) {
    List<BufferedImage> images = new ArrayList<>();
    for (WebDataset.Sample s : samples) {
      try {
        BufferedImage image = Images.decode(data.imageBytes(s));
        if (image != null) {
          images.add(image);
        }
      } catch (IOException e) {
        // unreadable: it is named when training reaches it
      }
    }
    return images;
  }
}
