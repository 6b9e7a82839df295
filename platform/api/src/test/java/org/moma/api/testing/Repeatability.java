package org.moma.api.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Same inputs, same gradients, bit for bit: runs a forward and backward pass several times on two
 * intra-op threads and compares every parameter's and input's gradient with the first run's bits.
 * Libtorch's CPU kernels only race above their grain size (32,768 elements), so callers use
 * shapes above it, with tokens picked more than once where the algorithm allows it.
 */
public final class Repeatability {
  /** The platform's default intra-op thread count on the 2-core machines it is tested on. */
  public static final int THREADS = 2;
  public static final int RUNS = 5;

  private Repeatability() {}

  /**
   * @param block an initialized block whose parameters' gradients are compared, or null
   * @param seed the engine's random seed at the start of every run (routers that draw noise)
   * @param inputs arrays whose gradients are compared too (gradients are attached here)
   * @param loss one forward pass from the fixed inputs to a scalar (training mode)
   */
  public static void assertSameGradientBits(NDManager manager, Block block, List<NDArray> inputs, int seed,
      Function<ParameterStore, NDArray> loss) {
    JniUtils.setNumThreads(THREADS);
    inputs.forEach(x -> x.setRequiresGradient(true));
    List<byte[]> first = null;
    List<String> names = new ArrayList<>();
    for (int run = 0; run < RUNS; run++) {
      Engine.getInstance().setRandomSeed(seed);
      List<NDArray> gradients = new ArrayList<>();
      for (Pair<String, Parameter> p : parameters(block)) {
        gradients.add(p.getValue().getArray());
      }
      gradients.addAll(inputs);
      gradients.forEach(a -> JniUtils.zeroGrad((PtNDArray) a));
      try (NDManager scope = manager.newSubManager();
          GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray value = loss.apply(new ParameterStore(scope, false));
        assertTrue(Float.isFinite(value.getFloat()), "loss " + value.getFloat());
        collector.backward(value);
      }
      List<byte[]> bits = new ArrayList<>();
      for (NDArray a : gradients) {
        NDArray g = a.getGradient();
        assertNotNull(g);
        bits.add(g.toByteArray());
      }
      if (first == null) {
        first = bits;
        for (Pair<String, Parameter> p : parameters(block)) {
          names.add(p.getKey());
        }
        for (int i = 0; i < inputs.size(); i++) {
          names.add("input " + i);
        }
        continue;
      }
      for (int i = 0; i < bits.size(); i++) {
        assertArrayEquals(first.get(i), bits.get(i), "run " + (run + 1) + ": the gradient of " + names.get(i) + " changed bits");
      }
    }
  }

  private static List<Pair<String, Parameter>> parameters(Block block) {
    return block == null ? List.of() : block.getParameters().stream().toList();
  }
}
