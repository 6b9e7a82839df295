package org.moma.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.eval.RoutingStats;
import org.moma.api.model.LayerContext;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.layer.mod.ModDepthPlugin;
import org.moma.layer.moma.MomaLayerPlugin;

/**
 * Paper §4.6 without auxiliary routers: the noise flips the training router's batch top-k. At a
 * vanishing share the flipped path gives the unperturbed model's logits (so σ is measured from the
 * same model), and a real share changes which tokens pass.
 */
class RoutingNoiseTest {
  private static final ModelDims DIMS = new ModelDims(20, 16, 4, 32, 2, 12);

  private static EarlyFusionModel model(String experts, boolean depth) throws Exception {
    MomaLayerPlugin moma = new MomaLayerPlugin();
    Options options = moma.parseOptions(new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree("{\"experts\": " + experts + "}"), "o");
    ModDepthPlugin mod = new ModDepthPlugin();
    List<TransformerLayer> layers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      LayerContext context = new LayerContext(i, DIMS, Modality.STANDARD, (ref, ctx, path) -> TestRouters.expertChoice(ctx));
      layers.add(new TransformerLayer(16, 4, moma.create(context, options),
          depth ? mod.create(context, Options.defaults(mod.options())) : null));
    }
    EarlyFusionModel model = new EarlyFusionModel(DIMS, layers);
    model.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
    return model;
  }

  private static float[] logits(EarlyFusionModel model, NDManager manager, double sigma) {
    for (TransformerLayer layer : model.layers()) {
      layer.setDepthNoise(sigma);
      layer.feedForward().expertGroups().values().forEach(g -> g.setRoutingNoise(sigma));
    }
    int[][] tokens = {{3, 7, 1, 19, 4, 4, 8, 2, 11, 5, 6, 9}, {2, 2, 13, 14, 15, 3, 3, 1, 0, 18, 17, 16}};
    int[][] modality = {{0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 0}, {1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1}};
    return model.forward(new ParameterStore(manager, false), new NDList(manager.create(tokens), manager.create(modality)), false)
        .head().toFloatArray();
  }

  @Test
  void mixtureOfDepthsTopKIsPerturbedAndAVanishingShareChangesNothing() throws Exception {
    Engine.getInstance().setRandomSeed(4);
    EarlyFusionModel model = model("{\"text\": 1, \"image\": 1}", true);
    try (NDManager manager = NDManager.newBaseManager()) {
      model.initialize(manager, DataType.FLOAT32, new Shape(2, 12), new Shape(2, 12));
      float[] clean = logits(model, manager, 0);
      assertArrayEquals(clean, logits(model, manager, 1e-12), 1e-4f, "the flipped path with nothing flipped is the top-k model");
      assertFalse(Arrays.equals(clean, logits(model, manager, 0.3)), "flipping 30% of the MoD decisions changes the output");
    }
  }

  @Test
  void expertChoiceTopKIsPerturbed() throws Exception {
    Engine.getInstance().setRandomSeed(5);
    EarlyFusionModel model = model("{\"text\": 2, \"image\": 2}", false);
    try (NDManager manager = NDManager.newBaseManager()) {
      model.initialize(manager, DataType.FLOAT32, new Shape(2, 12), new Shape(2, 12));
      logits(model, manager, 0);
      long[] exact = model.layers().get(0).lastRouting(0).get(0).perExpert();
      assertTrue(exact[0] == exact[1], "batch top-k gives each expert its capacity: " + Arrays.toString(exact));
      boolean changed = false;
      for (int draw = 0; draw < 5 && !changed; draw++) {
        logits(model, manager, 0.3);
        for (RoutingStats s : model.layers().get(0).lastRouting(0)) {
          changed |= s.perExpert()[0] != s.perExpert()[1] || s.perExpert()[0] != exact[0];
        }
      }
      assertTrue(changed, "flipped decisions no longer give every expert exactly its capacity");
    }
  }
}
