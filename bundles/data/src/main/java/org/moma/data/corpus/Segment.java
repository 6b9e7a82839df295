package org.moma.data.corpus;

import java.awt.image.BufferedImage;

/** A piece of an interleaved document: either text or an image. */
public record Segment(String text, BufferedImage image) {
  public Segment {
    if ((text == null) == (image == null)) {
      throw new IllegalArgumentException("a segment is either text or an image");
    }
  }

  public static Segment text(String text) {
    return new Segment(text, null);
  }

  public static Segment image(BufferedImage image) {
    return new Segment(null, image);
  }

  public boolean isImage() {
    return image != null;
  }
}
