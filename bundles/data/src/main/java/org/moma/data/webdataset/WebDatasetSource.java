package org.moma.data.webdataset;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import org.moma.api.SpecException;
import org.moma.api.data.TokenizedDocument;
import org.moma.data.corpus.MixedModalTokenizer;
import org.moma.data.corpus.Segment;
import org.moma.data.corpus.TokenizedCorpus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One split of a WebDataset as documents: each sample is its caption and its image, the caption
 * first or last by a hash of the key (so the model learns both directions), the second part scored.
 * A sample whose image does not decode becomes an empty document, which the loader skips and counts
 * (or, with {@code onError: fail}, ends the run naming it).
 */
final class WebDatasetSource extends TokenizedCorpus {
  private static final Logger LOG = LoggerFactory.getLogger(WebDatasetSource.class);
  private final WebDataset data;
  private final List<WebDataset.Sample> samples;
  private final double captionFirst;
  private final boolean fail;
  private final long badAtOpen;
  private final String path;
  private final Set<String> reported = ConcurrentHashMap.newKeySet();

  WebDatasetSource(WebDataset data, List<WebDataset.Sample> samples, MixedModalTokenizer tokenizer, double captionFirst, boolean fail,
      long badAtOpen, String path) {
    super(tokenizer);
    this.data = data;
    this.samples = samples;
    this.captionFirst = captionFirst;
    this.fail = fail;
    this.badAtOpen = badAtOpen;
    this.path = path;
  }

  @Override
  public long size() {
    return samples.size();
  }

  @Override
  public TokenizedDocument document(long index) {
    WebDataset.Sample sample = samples.get((int) index);
    BufferedImage image;
    String why;
    try {
      image = Images.decode(data.imageBytes(sample));
      why = image == null ? "the image does not decode" : null;
    } catch (IOException e) {
      image = null;
      why = "the image cannot be read (" + e.getMessage() + ")";
    }
    if (image == null) {
      WebDataset.Problem problem = new WebDataset.Problem(data.shard(sample), sample.key(), why);
      if (fail) {
        throw new SpecException(path, problem + " (onError: fail)");
      }
      if (reported.add(sample.key())) {
        LOG.warn("skipped bad sample {}", problem);
      }
      return new TokenizedDocument(new int[0], new byte[0]);
    }
    Segment caption = Segment.text(sample.caption());
    Segment picture = Segment.image(image);
    return captionFirst(sample.key())
        ? tokenizer.tokenize(List.of(caption, picture), 1)
        : tokenizer.tokenize(List.of(picture, caption), 1);
  }

  private boolean captionFirst(String key) {
    CRC32 crc = new CRC32();
    crc.update((key + "#order").getBytes(StandardCharsets.UTF_8));
    return (crc.getValue() % 10_000) < captionFirst * 10_000;
  }

  @Override
  public long badDocuments() {
    return badAtOpen + reported.size();
  }
}
