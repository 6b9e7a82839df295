package org.moma.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.moma.data.shapes.Scene;

class PatchCodebookTest {
  private static List<BufferedImage> scenes(long seed, int n) {
    SplittableRandom random = new SplittableRandom(seed);
    List<BufferedImage> images = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      images.add(Scene.random(random).render(32));
    }
    return images;
  }

  @Test
  void encodesAGridAndDecodingIsStable() {
    PatchCodebook vq = PatchCodebook.train(scenes(1, 60), 32, 4, 64, 6, 7);
    BufferedImage image = scenes(2, 1).get(0);
    int[] codes = vq.encode(image);
    assertEquals(64, codes.length);
    // decode → encode is a fixed point: every decoded patch is exactly a codebook vector
    assertArrayEquals(codes, vq.encode(vq.decode(codes)));
  }

  @Test
  void rememberedCodesAreTheNearestCodesOfAFullSearch() {
    PatchCodebook vq = PatchCodebook.train(scenes(1, 60), 32, 4, 64, 6, 7);
    List<BufferedImage> images = scenes(3, 40);
    images.addAll(scenes(3, 40)); // the same images again: every patch is remembered by now
    for (BufferedImage image : images) {
      List<float[]> patches = PatchCodebook.patches(image, 4);
      int[] codes = vq.encode(image);
      for (int p = 0; p < codes.length; p++) {
        assertEquals(fullSearch(vq.codes(), patches.get(p)), codes[p], "patch " + p);
      }
    }
  }

  /** The nearest codebook vector by squared distance, the first on ties. */
  private static int fullSearch(float[][] codes, float[] v) {
    int best = 0;
    double bestDistance = Double.MAX_VALUE;
    for (int c = 0; c < codes.length; c++) {
      double d = 0;
      for (int i = 0; i < v.length; i++) {
        d += (double) (codes[c][i] - v[i]) * (codes[c][i] - v[i]);
      }
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    return best;
  }

  @Test
  void heldOutReconstructionBeatsAConstantImageByFar() {
    PatchCodebook vq = PatchCodebook.train(scenes(1, 120), 32, 4, 128, 8, 7);
    List<BufferedImage> heldOut = scenes(99, 30);
    double error = vq.reconstructionError(heldOut);
    PatchCodebook constant = new PatchCodebook(32, 4, new float[][] {whitePatch()});
    double baseline = constant.reconstructionError(heldOut);
    assertTrue(error < 0.25 * baseline, "VQ error " + error + " vs all-white " + baseline);
  }

  @Test
  void rejectsCodesOutsideTheCodebook() {
    PatchCodebook vq = new PatchCodebook(8, 4, new float[][] {whitePatch(), whitePatch()});
    assertThrows(IllegalArgumentException.class, () -> vq.decode(new int[] {0, 1, 2, 0}));
    assertThrows(IllegalArgumentException.class, () -> vq.decode(new int[] {0}));
  }

  private static float[] whitePatch() {
    float[] p = new float[4 * 4 * 3];
    java.util.Arrays.fill(p, 1f);
    return p;
  }
}
