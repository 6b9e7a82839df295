package org.moma.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.FeedForwardBlock;
import org.moma.api.model.LayerContext;
import org.moma.api.model.LayerPlugin;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.api.model.AuxiliaryRouterBlock;
import org.moma.api.model.RoutedGroup;
import org.moma.layer.dense.DenseLayerPlugin;
import org.moma.layer.moma.MomaLayerPlugin;

/** Generation with a KV cache gives the logits of a full recomputation, token by token. */
class KvCacheTest {
  private static final ModelDims DIMS = new ModelDims(20, 16, 4, 32, 2, 12);

  @Test
  void denseModel() throws Exception {
    check(new DenseLayerPlugin(), "{}", false);
  }

  @Test
  void modalityAwareExpertsWithAuxiliaryRouters() throws Exception {
    check(new MomaLayerPlugin(), "{\"experts\": {\"text\": 3, \"image\": 2}}", true);
  }

  @Test
  void hashRoutingReadsTokenIdsInCachedGenerationToo() throws Exception {
    check(new MomaLayerPlugin(), "{\"experts\": {\"text\": 3, \"image\": 2}, \"router\": {\"name\": \"hash\"}}", false);
  }

  @Test
  void mixtureOfDepthsWithAuxiliaryRoutersCachesOnlyTheTokensEachLayerProcesses() throws Exception {
    check(new DenseLayerPlugin(), "{}", false, true);
  }

  @Test
  void leftPaddedPromptsInOneBatchGiveEachPromptsOwnLogits() throws Exception {
    batched(false);
  }

  @Test
  void batchedGenerationThroughMixtureOfDepthsLayers() throws Exception {
    batched(true);
  }

  private void batched(boolean depth) throws Exception {
    DenseLayerPlugin dense = new DenseLayerPlugin();
    Options o = Options.defaults(dense.options());
    EarlyFusionModel model = new EarlyFusionModel(DIMS, depth
        ? List.of(depthLayer(dense, o, 0), layer(dense, o, 1), depthLayer(dense, o, 2))
        : List.of(layer(dense, o, 0), layer(dense, o, 1)));
    model.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
    Engine.getInstance().setRandomSeed(9);
    try (NDManager manager = NDManager.newBaseManager()) {
      model.initialize(manager, DataType.FLOAT32, new Shape(1, 6), new Shape(1, 6));
      for (TransformerLayer layer : model.layers()) {
        if (layer.depth() != null) {
          AuxiliaryRouterBlock aux = TestRouters.mlpAuxiliary(16, 1);
          aux.setInitializer(new NormalInitializer(1f), Parameter.Type.WEIGHT);
          aux.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
          layer.useDepthAuxiliary(aux);
        }
      }
      ParameterStore store = new ParameterStore(manager, false);
      int[][] prompts = {{5, 9, 2}, {7, 1, 4, 8, 3}};
      int[] next = {11, 6};
      // each prompt alone, then one more token
      float[][] alone = new float[2][];
      float[][] aloneNext = new float[2][];
      for (int r = 0; r < 2; r++) {
        List<CausalSelfAttention.Cache> caches = model.newCaches();
        NDArray logits = model.forwardCached(store, manager.create(prompts[r], new Shape(1, prompts[r].length)),
            manager.zeros(new Shape(1, prompts[r].length), DataType.INT32), caches);
        alone[r] = logits.get(0, prompts[r].length - 1).toFloatArray();
        aloneNext[r] = model.forwardCached(store, manager.create(new int[] {next[r]}, new Shape(1, 1)),
            manager.zeros(new Shape(1, 1), DataType.INT32), caches).get(0, 0).toFloatArray();
      }
      // both together, the shorter one left-padded with masked padding
      int[] tokens = {0, 0, 5, 9, 2, 7, 1, 4, 8, 3};
      int[] positions = {0, 0, 0, 1, 2, 0, 1, 2, 3, 4};
      boolean[] valid = {false, false, true, true, true, true, true, true, true, true};
      List<CausalSelfAttention.Cache> caches = model.newCaches();
      Shape two = new Shape(2, 5);
      NDArray batch = model.forwardCached(store, manager.create(tokens, two), manager.zeros(two, DataType.INT32),
          manager.create(positions, two), manager.create(valid, two), caches);
      Shape step = new Shape(2, 1);
      NDArray batchNext = model.forwardCached(store, manager.create(next, step), manager.zeros(step, DataType.INT32),
          manager.create(new int[] {3, 5}, step), manager.create(new boolean[] {true, true}, step), caches);
      for (int r = 0; r < 2; r++) {
        assertArrayEquals(alone[r], batch.get(r, 4).toFloatArray(), 1e-4f, "prompt " + r);
        assertArrayEquals(aloneNext[r], batchNext.get(r, 0).toFloatArray(), 1e-4f, "next token of prompt " + r);
      }
    }
  }

  private void check(LayerPlugin plugin, String options, boolean auxiliary) throws Exception {
    check(plugin, options, auxiliary, false);
  }

  private void check(LayerPlugin plugin, String options, boolean auxiliary, boolean depth) throws Exception {
    Options o = plugin.parseOptions(new ObjectMapper().readTree(options), "o");
    List<TransformerLayer> layers = depth
        ? List.of(depthLayer(plugin, o, 0), layer(plugin, o, 1), depthLayer(plugin, o, 2))
        : List.of(layer(plugin, o, 0), layer(plugin, o, 1));
    EarlyFusionModel model = new EarlyFusionModel(DIMS, layers);
    model.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
    Engine.getInstance().setRandomSeed(8);
    try (NDManager manager = NDManager.newBaseManager()) {
      Shape shape = new Shape(1, 10);
      model.initialize(manager, DataType.FLOAT32, shape, shape);
      if (depth) {
        for (TransformerLayer layer : layers) {
          if (layer.depth() != null) {
            AuxiliaryRouterBlock aux = TestRouters.mlpAuxiliary(16, 1);
            aux.setInitializer(new NormalInitializer(1f), Parameter.Type.WEIGHT);
            aux.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
            layer.useDepthAuxiliary(aux);
          }
        }
      }
      if (auxiliary) {
        for (TransformerLayer layer : layers) {
          for (RoutedGroup group : layer.feedForward().expertGroups().values()) {
            AuxiliaryRouterBlock aux = TestRouters.mlpAuxiliary(16, group.count());
            aux.setInitializer(new NormalInitializer(1f), Parameter.Type.WEIGHT);
            aux.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
            group.useAuxiliary(aux);
          }
        }
      }
      int[] tokens = {3, 7, 1, 19, 4, 4, 8, 2, 11, 5};
      int[] modality = {0, 0, 1, 1, 1, 0, 1, 0, 0, 1};
      ParameterStore store = new ParameterStore(manager, false);
      NDArray full = model.forward(store, new NDList(manager.create(tokens, shape), manager.create(modality, shape)), false).head();
      List<CausalSelfAttention.Cache> caches = model.newCaches();
      int prompt = 4;
      NDArray prefill = model.forwardCached(store, manager.create(java.util.Arrays.copyOf(tokens, prompt), new Shape(1, prompt)),
          manager.create(java.util.Arrays.copyOf(modality, prompt), new Shape(1, prompt)), caches);
      assertArrayEquals(full.get(new NDIndex(":, :{}, :", prompt)).toFloatArray(), prefill.toFloatArray(), 1e-4f, "prompt");
      for (int i = prompt; i < tokens.length; i++) {
        NDArray step = model.forwardCached(store, manager.create(new int[] {tokens[i]}, new Shape(1, 1)),
            manager.create(new int[] {modality[i]}, new Shape(1, 1)), caches);
        assertArrayEquals(full.get(new NDIndex(":, {}:{}, :", i, i + 1)).toFloatArray(), step.toFloatArray(), 1e-4f, "token " + i);
      }
    }
  }

  private static TransformerLayer depthLayer(LayerPlugin plugin, Options options, int index) {
    org.moma.layer.mod.ModDepthPlugin mod = new org.moma.layer.mod.ModDepthPlugin();
    LayerContext context = new LayerContext(index, DIMS, Modality.STANDARD, null);
    return new TransformerLayer(16, 4, plugin.create(context, options), mod.create(context, Options.defaults(mod.options())));
  }

  private static TransformerLayer layer(LayerPlugin plugin, Options options, int index) {
    LayerContext context = new LayerContext(index, DIMS, Modality.STANDARD,
        (ref, ctx, path) -> TestRouters.named(ref, ctx));
    FeedForwardBlock ffn = plugin.create(context, options);
    return new TransformerLayer(16, 4, ffn);
  }
}
