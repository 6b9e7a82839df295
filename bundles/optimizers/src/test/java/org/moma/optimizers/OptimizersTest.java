package org.moma.optimizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.train.Optimizer;

/**
 * Each optimizer's update, the fused CPU pass and the libtorch ops a GPU runs alike, against the
 * algorithm written out in plain Java, over three steps
 * with a per-parameter gradient factor (as the trainer's clipping hands it), decay on matrices
 * only; and its state restored into a fresh optimizer continues exactly.
 */
class OptimizersTest {
  static final double LR = 0.05;
  static final float[] W0 = {0.3f, -0.2f, 0.5f, 1.0f};
  static final float[] B0 = {0.1f, -0.4f};
  static final float[][] GW = {{0.4f, -0.1f, 0.2f, 0.3f}, {-0.2f, 0.5f, 0.1f, 0.0f}, {1.5f, -2.0f, 0.7f, 0.1f}};
  static final float[][] GB = {{0.05f, 0.2f}, {0.3f, -0.1f}, {-0.6f, 0.9f}};
  static final float[] FACTORS = {0.25f, 0.5f}; // w's and b's gradient factors

  /** The reference update of one parameter: {w, g·factor, state…} → in place. */
  interface Reference {
    void update(double[] w, double[] g, double[][] state, int t, boolean matrix);
  }

  @Test
  void adamWIsTheAlgorithmWithBiasCorrectionAndDecoupledDecay() {
    double b1 = 0.9;
    double b2 = 0.95;
    double wd = 0.1;
    check(params -> new AdamW(params, b1, b2, wd), 2, (w, g, s, t, matrix) -> {
      for (int i = 0; i < w.length; i++) {
        s[0][i] = b1 * s[0][i] + (1 - b1) * g[i];
        s[1][i] = b2 * s[1][i] + (1 - b2) * g[i] * g[i];
        double mHat = s[0][i] / (1 - Math.pow(b1, t));
        double vHat = s[1][i] / (1 - Math.pow(b2, t));
        w[i] -= LR * (mHat / (Math.sqrt(vHat) + 1e-8) + (matrix ? wd : 0) * w[i]);
      }
    });
  }

  @Test
  void lionStepsByTheSignOfTheInterpolatedMomentum() {
    double b1 = 0.9;
    double b2 = 0.99;
    double wd = 0.1;
    check(params -> new Lion(params, b1, b2, wd), 1, (w, g, s, t, matrix) -> {
      for (int i = 0; i < w.length; i++) {
        double c = b1 * s[0][i] + (1 - b1) * g[i];
        w[i] = w[i] * (1 - LR * (matrix ? wd : 0)) - LR * Math.signum(c);
        s[0][i] = b2 * s[0][i] + (1 - b2) * g[i];
      }
    });
  }

  @Test
  void sgdWithMomentumIsPyTorchs() {
    double mu = 0.9;
    double wd = 0.01;
    check(params -> new Sgd(params, mu, false, wd), 1, (w, g, s, t, matrix) -> {
      for (int i = 0; i < w.length; i++) {
        double d = g[i] + (matrix ? wd : 0) * w[i];
        s[0][i] = t == 1 ? d : mu * s[0][i] + d;
        w[i] -= LR * s[0][i];
      }
    });
    check(params -> new Sgd(params, mu, true, 0), 1, (w, g, s, t, matrix) -> {
      for (int i = 0; i < w.length; i++) {
        s[0][i] = t == 1 ? g[i] : mu * s[0][i] + g[i];
        w[i] -= LR * (g[i] + mu * s[0][i]);
      }
    });
  }

  /** The fused CPU pass, then the same optimizer through libtorch's ops (its GPU path), against the reference. */
  private static void check(java.util.function.Function<List<Parameter>, ElementwiseOptimizer> make, int stateGroups,
      Reference reference) {
    checkOne(make::apply, stateGroups, reference);
    checkOne(params -> make.apply(params).usingLibtorchOps(), stateGroups, reference);
  }

  private static void checkOne(java.util.function.Function<List<Parameter>, Optimizer> make, int stateGroups, Reference reference) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Parameter w = parameter(manager, "w", W0, new Shape(2, 2));
      Parameter b = parameter(manager, "b", B0, new Shape(2));
      Optimizer optimizer = make.apply(List.of(w, b));
      double[] rw = toDouble(W0);
      double[] rb = toDouble(B0);
      double[][] sw = new double[stateGroups][4];
      double[][] sb = new double[stateGroups][2];
      for (int t = 1; t <= 3; t++) {
        backward(manager, w, b, t);
        optimizer.step(LR, manager.create(FACTORS));
        reference.update(rw, scaled(GW[t - 1], FACTORS[0]), sw, t, true);
        reference.update(rb, scaled(GB[t - 1], FACTORS[1]), sb, t, false);
        assertClose(rw, w.getArray().toFloatArray(), "w at step " + t);
        assertClose(rb, b.getArray().toFloatArray(), "b at step " + t);
        assertEquals(0, w.getArray().getGradient().abs().sum().getFloat(), "gradients cleared");
        assertEquals(t, optimizer.steps());
        if (t == 2) {
          // a fresh optimizer given this one's state continues exactly (what a resume does)
          Optimizer resumed = make.apply(List.of(w, b));
          resumed.restore(optimizer.steps(), optimizer.state());
          optimizer = resumed;
        }
      }
      Optimizer other = make.apply(List.of(w));
      Optimizer full = optimizer;
      assertThrows(IllegalArgumentException.class, () -> other.restore(1, full.state()), "state of another model is refused");
    }
  }

  private static void backward(NDManager manager, Parameter w, Parameter b, int t) {
    try (NDManager scope = manager.newSubManager(); GradientCollector c = Engine.getInstance().newGradientCollector()) {
      NDArray loss = w.getArray().mul(scope.create(GW[t - 1], new Shape(2, 2))).sum()
          .add(b.getArray().mul(scope.create(GB[t - 1], new Shape(2))).sum());
      c.backward(loss);
    }
  }

  private static double[] scaled(float[] g, float factor) {
    double[] d = new double[g.length];
    for (int i = 0; i < g.length; i++) {
      d[i] = g[i] * factor;
    }
    return d;
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
      assertEquals(expected[i], actual[i], 3e-6, what + "[" + i + "]");
    }
  }
}
