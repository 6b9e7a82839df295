package org.moma.api.data;

import java.awt.image.BufferedImage;

/** Turns a grid of image-code ids (vocabulary ids) back into pixels, for generation. */
public interface ImageCodec {
  /** Codes in one image: the grid is {@code sqrt} of this on a side. */
  int tokensPerImage();

  BufferedImage decode(int[] vocabularyIds);
}
