package org.moma.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fused native update against AdamW written out in plain Java: moments, bias correction, clipping, decay on matrices only. */
class AdamWTest {
  static final double LR = 0.05;
  static final double B1 = 0.9;
  static final double B2 = 0.95;
  static final double WD = 0.1;
  static final double CLIP = 0.5;

  @Test
  void theFusedUpdateIsAdamWWithGlobalClippingAndDecoupledDecayOnMatrices() {
    float[] w0 = {0.3f, -0.2f, 0.5f, 1.0f};
    float[] b0 = {0.1f, -0.4f};
    float[][] gw = {{0.4f, -0.1f, 0.2f, 0.3f}, {-0.2f, 0.5f, 0.1f, 0.0f}, {1.5f, -2.0f, 0.7f, 0.1f}};
    float[][] gb = {{0.05f, 0.2f}, {0.3f, -0.1f}, {-0.6f, 0.9f}};
    double gradScale = 2; // as with two accumulated micro-batches
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameter w = parameter(manager, "w", w0, new Shape(2, 2));
      Parameter b = parameter(manager, "b", b0, new Shape(2));
      AdamW optimizer = new AdamW(List.of(w, b), B1, B2, WD, CLIP);
      double[] rw = toDouble(w0);
      double[] rb = toDouble(b0);
      double[][] moments = new double[4][];
      moments[0] = new double[4];
      moments[1] = new double[4];
      moments[2] = new double[2];
      moments[3] = new double[2];
      boolean clipped = false;
      for (int t = 1; t <= 3; t++) {
        try (NDManager scope = manager.newSubManager(); GradientCollector c = Engine.getInstance().newGradientCollector()) {
          NDArray loss = w.getArray().mul(scope.create(gw[t - 1], new Shape(2, 2))).sum()
              .add(b.getArray().mul(scope.create(gb[t - 1], new Shape(2))).sum());
          c.backward(loss);
        }
        double norm = optimizer.step(LR, gradScale);
        // the reference
        double squared = 0;
        for (float g : gw[t - 1]) {
          squared += (g / gradScale) * (g / gradScale);
        }
        for (float g : gb[t - 1]) {
          squared += (g / gradScale) * (g / gradScale);
        }
        double expectedNorm = Math.sqrt(squared);
        assertEquals(expectedNorm, norm, 1e-5, "global norm at step " + t);
        double scale = expectedNorm > CLIP ? CLIP / expectedNorm : 1;
        clipped |= scale < 1;
        reference(rw, gw[t - 1], moments[0], moments[1], t, scale / gradScale, WD);
        reference(rb, gb[t - 1], moments[2], moments[3], t, scale / gradScale, 0);
        assertClose(rw, w.getArray().toFloatArray(), "w at step " + t);
        assertClose(rb, b.getArray().toFloatArray(), "b at step " + t);
        assertEquals(0, w.getArray().getGradient().abs().sum().getFloat(), "gradients cleared");
      }
      assertTrue(clipped, "the test reaches the clipping threshold");
    }
  }

  private static void reference(double[] w, float[] g, double[] m, double[] v, int t, double rescale, double decay) {
    for (int i = 0; i < w.length; i++) {
      double grad = g[i] * rescale;
      m[i] = B1 * m[i] + (1 - B1) * grad;
      v[i] = B2 * v[i] + (1 - B2) * grad * grad;
      double mHat = m[i] / (1 - Math.pow(B1, t));
      double vHat = v[i] / (1 - Math.pow(B2, t));
      w[i] -= LR * (mHat / (Math.sqrt(vHat) + 1e-8) + decay * w[i]);
    }
  }

  private static Parameter parameter(NDManager manager, String name, float[] values, Shape shape) {
    Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
    NDArray array = manager.create(values, shape).duplicate();
    array.setRequiresGradient(true);
    p.setArray(array);
    return p;
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  private static void assertClose(double[] expected, float[] actual, String what) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 2e-6, what + "[" + i + "]");
    }
  }
}
