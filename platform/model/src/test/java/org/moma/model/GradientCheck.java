package org.moma.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Compares autograd's parameter gradients with central finite differences, in float64, on the
 * scalar {@code sum(output ⊙ R)} for a fixed random {@code R}.
 */
final class GradientCheck {
  private GradientCheck() {}

  /**
   * @param inputs supplies fresh inputs for each forward (same values every call)
   * @param samples entries checked per parameter
   */
  static void check(Block block, NDManager manager, Supplier<NDList> inputs, int samples, double tolerance) {
    ParameterStore store = new ParameterStore(manager, false);
    NDArray probe;
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray out = block.forward(store, inputs.get(), true).head();
      probe = manager.randomNormal(0, 1, out.getShape(), DataType.FLOAT64);
      collector.backward(out.mul(probe).sum());
    }
    Random random = new Random(7);
    for (Pair<String, Parameter> pair : block.getParameters()) {
      NDArray weight = pair.getValue().getArray();
      double[] analytic = weight.getGradient().toDoubleArray();
      double[] values = weight.toDoubleArray();
      for (int s = 0; s < samples; s++) {
        int i = random.nextInt(values.length);
        double eps = 1e-5;
        double original = values[i];
        values[i] = original + eps;
        weight.set(values);
        double plus = objective(block, store, inputs.get(), probe);
        values[i] = original - eps;
        weight.set(values);
        double minus = objective(block, store, inputs.get(), probe);
        values[i] = original;
        weight.set(values);
        double numeric = (plus - minus) / (2 * eps);
        double error = Math.abs(numeric - analytic[i]) / Math.max(1e-6, Math.abs(numeric) + Math.abs(analytic[i]));
        assertTrue(
            error < tolerance || Math.abs(numeric - analytic[i]) < 1e-7,
            pair.getKey() + "[" + i + "]: analytic " + analytic[i] + " vs numeric " + numeric);
      }
    }
  }

  private static double objective(Block block, ParameterStore store, NDList inputs, NDArray probe) {
    return block.forward(store, inputs, false).head().mul(probe).sum().getDouble();
  }
}
