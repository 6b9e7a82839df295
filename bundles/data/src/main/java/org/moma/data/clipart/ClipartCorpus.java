package org.moma.data.clipart;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.moma.api.data.TokenizedDocument;
import org.moma.data.corpus.MixedModalTokenizer;
import org.moma.data.corpus.Segment;
import org.moma.data.corpus.TokenizedCorpus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One split of the clip-art corpus: image–text documents (a drawing with its caption before or
 * after it) and text-only documents (WordNet glosses), in an order fixed by a hash of each
 * document's identity, so that the two kinds are mixed and neither the order nor the split changes
 * with the seed. A rendering that does not decode is named, counted and comes back empty.
 */
final class ClipartCorpus extends TokenizedCorpus {
  private static final Logger LOG = LoggerFactory.getLogger(ClipartCorpus.class);

  /** A document: a drawing with its caption, or (drawing null) a text. */
  record Entry(String id, Drawing drawing, String text) {
    static Entry of(Drawing d) {
      return new Entry("clipart:" + d.id(), d, d.caption());
    }

    static Entry of(WordNetGlosses.Gloss g) {
      return new Entry(g.id(), null, g.text());
    }
  }

  private final List<Entry> entries;
  private final int imageSize;
  private final double captionFirst;
  private final Set<String> bad = ConcurrentHashMap.newKeySet();

  ClipartCorpus(List<Entry> entries, MixedModalTokenizer tokenizer, int imageSize, double captionFirst) {
    super(tokenizer);
    this.entries = entries;
    this.imageSize = imageSize;
    this.captionFirst = captionFirst;
  }

  @Override
  public long size() {
    return entries.size();
  }

  @Override
  public TokenizedDocument document(long index) {
    Entry e = entries.get((int) index);
    if (e.drawing() == null) {
      return tokenizer.tokenize(List.of(Segment.text(e.text())), 0);
    }
    BufferedImage image = image(e.drawing());
    if (image == null) {
      return new TokenizedDocument(new int[0], new byte[0]);
    }
    Segment caption = Segment.text(e.text());
    Segment picture = Segment.image(image);
    return hash(e.id() + "#order") % 10_000 < captionFirst * 10_000
        ? tokenizer.tokenize(List.of(caption, picture), 1)
        : tokenizer.tokenize(List.of(picture, caption), 1);
  }

  /** The drawing's rendering fitted to the tokenizer's size, or null (named once) when it does not decode. */
  private BufferedImage image(Drawing d) {
    BufferedImage image = render(d, imageSize);
    if (image == null && bad.add(d.id())) {
      LOG.warn("skipped bad clip art {}: {} does not decode", d.id(), d.png());
    }
    return image;
  }

  /** A drawing's rendering fitted into a white square of {@code size}, or null when it does not decode. */
  static BufferedImage render(Drawing d, int size) {
    try {
      BufferedImage image = ImageIO.read(d.png().toFile());
      return image == null ? null : fit(image, size);
    } catch (IOException | RuntimeException e) {
      return null; // a corrupt file makes some readers throw: it does not decode either way
    }
  }

  /**
   * Fits an image into a {@code size}² square, centred, its aspect kept, transparent pixels on
   * white. It shrinks by halves first: one bilinear step from a large drawing to a few pixels would
   * sample past its thin lines.
   */
  static BufferedImage fit(BufferedImage image, int size) {
    BufferedImage current = image;
    int w = image.getWidth();
    int h = image.getHeight();
    double scale = (double) size / Math.max(w, h);
    int targetW = Math.max(1, (int) Math.round(w * scale));
    int targetH = Math.max(1, (int) Math.round(h * scale));
    while (current.getWidth() / 2 >= targetW && current.getHeight() / 2 >= targetH && current.getWidth() > 1) {
      current = draw(current, current.getWidth() / 2, current.getHeight() / 2, current.getWidth() / 2, current.getHeight() / 2, 0, 0,
          BufferedImage.TYPE_INT_ARGB);
    }
    return draw(current, size, size, targetW, targetH, (size - targetW) / 2, (size - targetH) / 2, BufferedImage.TYPE_INT_RGB);
  }

  private static BufferedImage draw(BufferedImage from, int canvasW, int canvasH, int w, int h, int x, int y, int type) {
    BufferedImage out = new BufferedImage(canvasW, canvasH, type);
    Graphics2D g = out.createGraphics();
    if (type == BufferedImage.TYPE_INT_RGB) {
      g.setColor(java.awt.Color.WHITE);
      g.fillRect(0, 0, canvasW, canvasH);
    }
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(from, x, y, w, h, null);
    g.dispose();
    return out;
  }

  @Override
  public long badDocuments() {
    return bad.size();
  }

  /**
   * A well-mixed hash of an identity (CRC32 through SplitMix64's finalizer): a CRC alone is linear,
   * so names that differ in one digit would fall into the split or the order in patterns.
   */
  static long hash(String s) {
    CRC32 crc = new CRC32();
    crc.update(s.getBytes(StandardCharsets.UTF_8));
    long z = crc.getValue() + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return (z ^ (z >>> 31)) >>> 1; // non-negative
  }
}
