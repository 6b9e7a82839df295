package org.moma.data.webdataset;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import javax.imageio.spi.IIORegistry;

/**
 * Decodes the images of web data: PNG and JPEG with ImageIO, WebP and CMYK or YCCK JPEGs with
 * TwelveMonkeys' readers. ImageIO finds readers through the class path's service files, which a
 * bundle's class path does not reach, so they are registered here explicitly, once.
 */
public final class Images {
  private static boolean registered;

  private Images() {}

  static synchronized void register() {
    if (!registered) {
      IIORegistry registry = IIORegistry.getDefaultInstance();
      registry.registerServiceProvider(new com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi());
      // orders itself before the JDK's JPEG reader, which fails on CMYK
      registry.registerServiceProvider(new com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi());
      registered = true;
    }
  }

  /** The image, or null when no reader can decode the bytes (a broken or unsupported file). */
  public static BufferedImage decode(byte[] bytes) {
    register();
    try {
      return ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException | RuntimeException e) {
      return null; // a corrupt file makes some readers throw: it does not decode either way
    }
  }
}
