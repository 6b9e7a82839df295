package org.moma.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.Pair;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.DepthRouterBlock;
import org.moma.api.model.DepthSelection;
import org.moma.api.model.LayerContext;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.layer.dense.DenseLayerPlugin;
import org.moma.layer.mod.ModDepthPlugin;

/** Mixture-of-depths in the backbone: selection, skipping, combine and gradients. */
class DepthLayerTest {
  private static final ModelDims DIMS = new ModelDims(20, 8, 2, 16, 4, 8);
  private NDManager manager;

  @BeforeEach
  void setUp() {
    Engine.getInstance().setRandomSeed(9);
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  private static DepthRouterBlock router(int layer) {
    ModDepthPlugin plugin = new ModDepthPlugin();
    return plugin.create(new LayerContext(layer, DIMS, Modality.STANDARD, null), Options.defaults(plugin.options()));
  }

  private TransformerLayer layer(DataType type) {
    DenseLayerPlugin dense = new DenseLayerPlugin();
    TransformerLayer layer = new TransformerLayer(8, 2,
        dense.create(new LayerContext(0, DIMS, Modality.STANDARD, null), Options.defaults(dense.options())), router(0));
    layer.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
    layer.initialize(manager, type, new Shape(2, 8, 8), new Shape(2, 8), new Shape(16));
    return layer;
  }

  private NDList inputs(DataType type) {
    NDArray x = manager.randomNormal(0, 1, new Shape(2, 8, 8), type);
    NDArray positions = manager.arange(8).reshape(1, 8).broadcast(new Shape(2, 8));
    return new NDList(x, positions, manager.zeros(new Shape(16), DataType.INT32));
  }

  @Test
  void alternateLayersFromTheStartAreWrapped() {
    assertTrue(router(0) != null && router(2) != null);
    assertNull(router(1));
    assertNull(router(3));
  }

  @Test
  void eachSequenceSendsExactlyItsCapacityInOrderAndTheRestSkipTheLayer() {
    TransformerLayer layer = layer(DataType.FLOAT32);
    NDList in = inputs(DataType.FLOAT32);
    ParameterStore store = new ParameterStore(manager, false);
    DepthSelection selection = layer.depth().select(store, in.get(0), false);
    NDArray y = layer.forward(store, in, false).get(0);
    NDArray x = in.get(0);
    for (int b = 0; b < 2; b++) {
      long[] chosen = selection.positions().get(b).toLongArray();
      assertEquals(2, chosen.length, "round(0.25 · 8) tokens per sequence");
      assertTrue(chosen[0] < chosen[1], "positions keep their order");
      // the layer applied to the chosen tokens alone, at their positions, scaled by the router weight
      NDArray chosenIdx = manager.create(chosen);
      NDArray xs = x.get(b).get(new NDIndex("{}", chosenIdx)).expandDims(0);
      NDArray out = layer.body(store, xs, chosenIdx.expandDims(0), manager.zeros(new Shape(2), DataType.INT32), false).get(0);
      NDArray expected = xs.add(out.sub(xs).mul(selection.weights().get(b).expandDims(0).expandDims(-1)));
      for (int t = 0; t < 8; t++) {
        int at = Arrays.binarySearch(chosen, t);
        float[] actual = y.get(b, t).toFloatArray();
        if (at >= 0) {
          assertArrayEquals(expected.get(0, at).toFloatArray(), actual, 1e-5f, "selected token " + t);
          assertFalse(Arrays.equals(x.get(b, t).toFloatArray(), actual), "selected token " + t + " unchanged");
        } else {
          assertArrayEquals(x.get(b, t).toFloatArray(), actual, 0f, "skipped token " + t + " changed");
        }
      }
    }
  }

  @Test
  void gradientsReachTheDepthRouterAndMatchFiniteDifferences() {
    TransformerLayer layer = layer(DataType.FLOAT64);
    NDList in = inputs(DataType.FLOAT64);
    GradientCheck.check(layer, manager, () -> in, 6, 1e-5); // leaves its gradients in place
    boolean routerLearns = false;
    for (Pair<String, Parameter> p : layer.getParameters()) {
      if (p.getKey().contains("depth")) {
        routerLearns |= p.getValue().getArray().getGradient().abs().sum().getDouble() > 0;
      }
    }
    assertTrue(routerLearns, "no gradient reached the depth router");
  }

  @Test
  void flopsCountOnlyTheSelectedShare() {
    TransformerLayer layer = layer(DataType.FLOAT32);
    double attention = CausalSelfAttention.flopsPerToken(8, 2);
    double ffn = 6.0 * 8 * 16;
    assertEquals(0.25 * (attention + ffn) + 2.0 * 8, layer.flopsPerToken(8), 1e-9);
  }
}
