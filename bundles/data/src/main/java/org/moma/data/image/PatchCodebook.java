package org.moma.data.image;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A vector-quantised image tokenizer: images are resized to {@code size × size}, cut into
 * {@code patch × patch} RGB patches, and each patch becomes the id of its nearest codebook vector
 * (k-means). Decoding paints every patch with its codebook vector, so generated codes become PNGs.
 */
public final class PatchCodebook {
  private final int size;
  private final int patch;
  private final float[][] codes; // [codebook][patch*patch*3], values in [0, 1]
  private final String identity;

  public PatchCodebook(int size, int patch, float[][] codes) {
    if (size % patch != 0) {
      throw new IllegalArgumentException("image size " + size + " is not a multiple of the patch size " + patch);
    }
    this.size = size;
    this.patch = patch;
    this.codes = codes;
    this.identity = fingerprint();
  }

  /** Learns a codebook of {@code codebookSize} patches with seeded k-means++ and Lloyd iterations. */
  public static PatchCodebook train(List<BufferedImage> images, int size, int patch, int codebookSize, int iterations, long seed) {
    int dim = patch * patch * 3;
    int perImage = (size / patch) * (size / patch);
    float[][] data = new float[images.size() * perImage][];
    int n = 0;
    for (BufferedImage image : images) {
      for (float[] p : patches(resize(image, size), patch)) {
        data[n++] = p;
      }
    }
    if (n < codebookSize) {
      throw new IllegalArgumentException(
          "k-means needs at least " + codebookSize + " patches, the training images give " + n);
    }
    SplittableRandom random = new SplittableRandom(seed);
    float[][] centers = new float[codebookSize][];
    // k-means++: spread the initial centres out
    centers[0] = data[random.nextInt(n)].clone();
    double[] nearest = new double[n];
    java.util.Arrays.fill(nearest, Double.MAX_VALUE);
    for (int c = 1; c < codebookSize; c++) {
      double total = 0;
      for (int i = 0; i < n; i++) {
        nearest[i] = Math.min(nearest[i], distance(data[i], centers[c - 1]));
        total += nearest[i];
      }
      double pick = random.nextDouble() * total;
      int chosen = n - 1;
      for (int i = 0; i < n; i++) {
        pick -= nearest[i];
        if (pick <= 0) {
          chosen = i;
          break;
        }
      }
      centers[c] = data[chosen].clone();
    }
    int[] assignment = new int[n];
    for (int it = 0; it < iterations; it++) {
      double[][] sums = new double[codebookSize][dim];
      int[] counts = new int[codebookSize];
      for (int i = 0; i < n; i++) {
        int a = nearestCode(centers, data[i]);
        assignment[i] = a;
        counts[a]++;
        for (int d = 0; d < dim; d++) {
          sums[a][d] += data[i][d];
        }
      }
      for (int c = 0; c < codebookSize; c++) {
        if (counts[c] == 0) {
          centers[c] = data[random.nextInt(n)].clone(); // revive a dead code
          continue;
        }
        for (int d = 0; d < dim; d++) {
          centers[c][d] = (float) (sums[c][d] / counts[c]);
        }
      }
    }
    return new PatchCodebook(size, patch, centers);
  }

  public int size() {
    return size;
  }

  public int patch() {
    return patch;
  }

  public int codebookSize() {
    return codes.length;
  }

  /** Codes per image: the grid is {@code (size/patch)²}. */
  public int tokensPerImage() {
    return (size / patch) * (size / patch);
  }

  public float[][] codes() {
    return codes;
  }

  public String identity() {
    return identity;
  }

  /**
   * The codes of an image, row by row. Generated images repeat the same patches (background, flat
   * shapes) over and over, so each distinct patch's code is remembered: the nearest-code search
   * over the whole codebook was nine tenths of the data loader's time.
   */
  public int[] encode(BufferedImage image) {
    List<int[]> pixels = pixels(resize(image, size), patch);
    int[] ids = new int[pixels.size()];
    for (int i = 0; i < ids.length; i++) {
      PatchKey key = new PatchKey(pixels.get(i));
      Integer id = known.get(key);
      if (id == null) {
        id = nearestCode(codes, vector(pixels.get(i)));
        if (known.size() < KNOWN_PATCHES) {
          known.put(key, id);
        }
      }
      ids[i] = id;
    }
    return ids;
  }

  /** Codes of distinct patches seen so far, up to {@link #KNOWN_PATCHES} (a few MB). */
  private final java.util.Map<PatchKey, Integer> known = new java.util.concurrent.ConcurrentHashMap<>();

  private static final int KNOWN_PATCHES = 1 << 16;

  /** A patch's pixels as a map key. */
  private static final class PatchKey {
    private final int[] rgb;
    private final int hash;

    PatchKey(int[] rgb) {
      for (int i = 0; i < rgb.length; i++) {
        rgb[i] &= 0xFFFFFF;
      }
      this.rgb = rgb;
      this.hash = java.util.Arrays.hashCode(rgb);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PatchKey k && k.hash == hash && java.util.Arrays.equals(k.rgb, rgb);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  public BufferedImage decode(int[] ids) {
    if (ids.length != tokensPerImage()) {
      throw new IllegalArgumentException("an image is " + tokensPerImage() + " codes, got " + ids.length);
    }
    BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    int grid = size / patch;
    for (int g = 0; g < ids.length; g++) {
      if (ids[g] < 0 || ids[g] >= codes.length) {
        throw new IllegalArgumentException("code " + ids[g] + " is outside the codebook of " + codes.length);
      }
      float[] v = codes[ids[g]];
      int x0 = (g % grid) * patch;
      int y0 = (g / grid) * patch;
      int k = 0;
      for (int y = 0; y < patch; y++) {
        for (int x = 0; x < patch; x++) {
          int r = channel(v[k++]);
          int gr = channel(v[k++]);
          int b = channel(v[k++]);
          out.setRGB(x0 + x, y0 + y, (r << 16) | (gr << 8) | b);
        }
      }
    }
    return out;
  }

  /** Mean squared error per channel (values in [0, 1]) of encode→decode over the images. */
  public double reconstructionError(List<BufferedImage> images) {
    double sum = 0;
    long count = 0;
    for (BufferedImage image : images) {
      BufferedImage original = resize(image, size);
      BufferedImage round = decode(encode(original));
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          int a = original.getRGB(x, y);
          int b = round.getRGB(x, y);
          for (int shift = 0; shift <= 16; shift += 8) {
            double d = (((a >> shift) & 0xFF) - ((b >> shift) & 0xFF)) / 255.0;
            sum += d * d;
            count++;
          }
        }
      }
    }
    return sum / count;
  }

  static List<float[]> patches(BufferedImage image, int patch) {
    return pixels(image, patch).stream().map(PatchCodebook::vector).toList();
  }

  /** Each {@code patch × patch} patch's RGB pixels (row by row), patches row by row over the image. */
  private static List<int[]> pixels(BufferedImage image, int patch) {
    int grid = image.getWidth() / patch;
    List<int[]> out = new java.util.ArrayList<>(grid * grid);
    for (int gy = 0; gy < grid; gy++) {
      for (int gx = 0; gx < grid; gx++) {
        out.add(image.getRGB(gx * patch, gy * patch, patch, patch, null, 0, patch));
      }
    }
    return out;
  }

  /** A patch's pixels (row by row) as RGB values in [0, 1]. */
  private static float[] vector(int[] rgb) {
    float[] v = new float[rgb.length * 3];
    int k = 0;
    for (int pixel : rgb) {
      v[k++] = ((pixel >> 16) & 0xFF) / 255f;
      v[k++] = ((pixel >> 8) & 0xFF) / 255f;
      v[k++] = (pixel & 0xFF) / 255f;
    }
    return v;
  }

  /** The image at {@code size × size} RGB on white (smooth scaling; unchanged if it already is). */
  public static BufferedImage resize(BufferedImage image, int size) {
    if (image.getWidth() == size && image.getHeight() == size && image.getType() == BufferedImage.TYPE_INT_RGB) {
      return image;
    }
    BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = out.createGraphics();
    // transparent pixels are laid on white (clip art and logos): without it they turn black
    g.setColor(java.awt.Color.WHITE);
    g.fillRect(0, 0, size, size);
    g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(image, 0, 0, size, size, null);
    g.dispose();
    return out;
  }

  private static int nearestCode(float[][] centers, float[] v) {
    int best = 0;
    double bestDistance = Double.MAX_VALUE;
    for (int c = 0; c < centers.length; c++) {
      double d = distance(centers[c], v);
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    return best;
  }

  private static double distance(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double d = a[i] - b[i];
      s += d * d;
    }
    return s;
  }

  private static int channel(float v) {
    return Math.max(0, Math.min(255, Math.round(v * 255)));
  }

  private String fingerprint() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update((size + "/" + patch + "/").getBytes(StandardCharsets.US_ASCII));
      ByteBuffer buffer = ByteBuffer.allocate(4);
      for (float[] c : codes) {
        for (float f : c) {
          buffer.clear();
          buffer.putFloat(f);
          sha.update(buffer.array());
        }
      }
      return "vq" + codes.length + "-" + HexFormat.of().formatHex(sha.digest()).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
