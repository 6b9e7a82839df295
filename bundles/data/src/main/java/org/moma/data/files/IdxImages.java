package org.moma.data.files;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * MNIST / Fashion-MNIST IDX files (optionally gzipped): unsigned-byte images ({@code 0x00000803})
 * and labels ({@code 0x00000801}). A wrong magic number or a truncated file is an error that says
 * what was expected.
 */
public final class IdxImages {
  private final byte[] pixels;
  private final byte[] labels;
  private final int count;
  private final int rows;
  private final int cols;

  private IdxImages(byte[] pixels, byte[] labels, int count, int rows, int cols) {
    this.pixels = pixels;
    this.labels = labels;
    this.count = count;
    this.rows = rows;
    this.cols = cols;
  }

  public static IdxImages read(Path images, Path labels) throws IOException {
    ByteBuffer img = ByteBuffer.wrap(bytes(images));
    ByteBuffer lab = ByteBuffer.wrap(bytes(labels));
    expect(images, img, 0x00000803, 16);
    expect(labels, lab, 0x00000801, 8);
    int n = img.getInt(4);
    int rows = img.getInt(8);
    int cols = img.getInt(12);
    int labelCount = lab.getInt(4);
    if (n != labelCount) {
      throw new IOException(images + " holds " + n + " images but " + labels + " holds " + labelCount + " labels");
    }
    long expected = 16L + (long) n * rows * cols;
    if (img.capacity() != expected) {
      throw new IOException(images + ": truncated or padded: header says " + n + " images of " + rows + "x" + cols
          + " = " + expected + " bytes, file has " + img.capacity());
    }
    if (lab.capacity() != 8L + n) {
      throw new IOException(labels + ": truncated or padded: expected " + (8L + n) + " bytes, file has " + lab.capacity());
    }
    byte[] pixels = new byte[n * rows * cols];
    img.position(16);
    img.get(pixels);
    byte[] ys = new byte[n];
    lab.position(8);
    lab.get(ys);
    return new IdxImages(pixels, ys, n, rows, cols);
  }

  private static void expect(Path file, ByteBuffer b, int magic, int header) throws IOException {
    if (b.capacity() < header) {
      throw new IOException(file + ": truncated: shorter than its " + header + "-byte header");
    }
    if (b.getInt(0) != magic) {
      throw new IOException(file + String.format(": not an IDX file of this kind (magic 0x%08x, expected 0x%08x)", b.getInt(0), magic));
    }
  }

  private static byte[] bytes(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": no such file");
    }
    try (InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(file)) : Files.newInputStream(file)) {
      return in.readAllBytes();
    } catch (java.io.EOFException e) {
      throw new IOException(file + ": truncated gzip stream", e);
    }
  }

  public int count() {
    return count;
  }

  public int label(int index) {
    return labels[index] & 0xFF;
  }

  /** Image {@code index} as RGB (grey values replicated). */
  public BufferedImage image(int index) {
    BufferedImage out = new BufferedImage(cols, rows, BufferedImage.TYPE_INT_RGB);
    int base = index * rows * cols;
    for (int y = 0; y < rows; y++) {
      for (int x = 0; x < cols; x++) {
        int v = pixels[base + y * cols + x] & 0xFF;
        out.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    }
    return out;
  }
}
