package org.moma.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.LayerContext;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.api.model.AuxiliaryRouterBlock;
import org.moma.api.model.RoutedGroup;
import org.moma.layer.moma.MomaLayerPlugin;

/**
 * Expert choice over a batch is not causal: a token's experts depend on the other tokens, future
 * ones included. With auxiliary routers deciding per token, earlier logits ignore the future.
 */
class CausalRoutingTest {
  private static final ModelDims DIMS = new ModelDims(20, 16, 4, 32, 2, 12);

  @Test
  void batchTopKLooksAtTheFutureAndAuxiliaryRoutersDoNot() throws Exception {
    MomaLayerPlugin plugin = new MomaLayerPlugin();
    Options options = plugin.parseOptions(new ObjectMapper().readTree("{\"experts\": {\"text\": 4, \"image\": 4}}"), "o");
    List<TransformerLayer> layers = List.of(layer(plugin, options, 0), layer(plugin, options, 1));
    EarlyFusionModel model = new EarlyFusionModel(DIMS, layers);
    model.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
    Engine.getInstance().setRandomSeed(4);
    try (NDManager manager = NDManager.newBaseManager()) {
      Shape shape = new Shape(1, 12);
      model.initialize(manager, DataType.FLOAT32, shape, shape);
      int[] a = {3, 7, 1, 19, 4, 4, 8, 2, 11, 5, 6, 9};
      int[] b = a.clone();
      int cut = 6;
      for (int i = cut; i < b.length; i++) {
        b[i] = (b[i] * 7 + 3) % 20;
      }
      ParameterStore store = new ParameterStore(manager, false);
      float[][] batch = prefixes(model, store, manager, a, b, cut);
      assertFalse(Arrays.equals(batch[0], batch[1]), "batch top-k routing was expected to see future tokens");

      for (TransformerLayer layer : layers) {
        for (RoutedGroup group : layer.feedForward().expertGroups().values()) {
          AuxiliaryRouterBlock aux = TestRouters.mlpAuxiliary(16, group.count());
          aux.setInitializer(new NormalInitializer(1f), Parameter.Type.WEIGHT);
          aux.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
          group.useAuxiliary(aux);
        }
      }
      float[][] causal = prefixes(model, store, manager, a, b, cut);
      assertArrayEquals(causal[0], causal[1], 1e-5f);
    }
  }

  private static TransformerLayer layer(MomaLayerPlugin plugin, Options options, int index) {
    LayerContext context = new LayerContext(index, DIMS, Modality.STANDARD,
        (ref, ctx, path) -> TestRouters.expertChoice(ctx));
    return new TransformerLayer(16, 4, plugin.create(context, options));
  }

  private static float[][] prefixes(EarlyFusionModel model, ParameterStore store, NDManager manager, int[] a, int[] b, int cut) {
    Shape shape = new Shape(1, 12);
    NDArray modality = manager.create(new int[] {0, 0, 1, 1, 0, 1, 1, 0, 1, 0, 0, 1}, shape);
    NDArray la = model.forward(store, new NDList(manager.create(a, shape), modality), false).head();
    NDArray lb = model.forward(store, new NDList(manager.create(b, shape), modality), false).head();
    return new float[][] {
      la.get(new NDIndex(":, :{}, :", cut)).toFloatArray(), lb.get(new NDIndex(":, :{}, :", cut)).toFloatArray()
    };
  }
}
