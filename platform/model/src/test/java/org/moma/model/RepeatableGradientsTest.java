package org.moma.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.LayerContext;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.api.testing.Repeatability;
import org.moma.layer.mod.ModDepthPlugin;
import org.moma.layer.moma.MomaLayerPlugin;
import org.moma.model.LanguageModelLoss;

/**
 * The whole backbone (embedding, attention, a mixture-of-depths layer's gather and scatter, MoMa
 * 4t4i groups, the loss) over 4 × 256 tokens × d 128: the same gradient bits run after run on two
 * threads.
 */
class RepeatableGradientsTest {
  @Test
  void modAndMomaBackbone() throws Exception {
    ModelDims dims = new ModelDims(300, 128, 4, 256, 2, 256);
    MomaLayerPlugin moma = new MomaLayerPlugin();
    Options options = moma.parseOptions(new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree("{\"experts\": {\"text\": 4, \"image\": 4}}"), "model.ffn.options");
    ModDepthPlugin mod = new ModDepthPlugin();
    List<TransformerLayer> layers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      LayerContext context = new LayerContext(i, dims, Modality.STANDARD, (ref, ctx, path) -> TestRouters.expertChoice(ctx));
      layers.add(new TransformerLayer(128, 4, moma.create(context, options), mod.create(context, Options.defaults(mod.options()))));
    }
    EarlyFusionModel model = new EarlyFusionModel(dims, layers);
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(15);
      Shape shape = new Shape(4, 256);
      model.initialize(manager, DataType.FLOAT32, shape, shape);
      NDArray tokens = manager.randomInteger(1, 300, shape, DataType.INT32);
      NDArray modality = tokens.gt(150).toType(DataType.INT32, false);
      NDArray targets = manager.randomInteger(1, 300, shape, DataType.INT32);
      NDArray targetModality = targets.gt(150).toType(DataType.INT32, false);
      Repeatability.assertSameGradientBits(manager, model, List.of(), 15, store -> {
        NDArray logits = model.forward(store, new NDList(tokens, modality), true).head();
        return LanguageModelLoss.compute(logits, targets, targetModality, 0, 1e-4, Modality.STANDARD, 4 * 256).objective();
      });
    }
  }
}
