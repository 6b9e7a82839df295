package org.moma.layer.moe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.FeedForwardBlock;
import org.moma.api.model.LayerContext;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.api.testing.Repeatability;
import org.moma.router.expertchoice.SigmoidRouter;

/** moe_8x over 512 mixed tokens × d 256: the same gradient bits run after run on two threads. */
class RepeatableGradientsTest {
  @Test
  void eightMixedModalExperts() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(10);
      MoeLayerPlugin plugin = new MoeLayerPlugin();
      LayerContext context = new LayerContext(0, new ModelDims(100, 256, 4, 64, 1, 512), Modality.STANDARD,
          (ref, ctx, path) -> new SigmoidRouter(ctx.dModel(), ctx.experts(), 0));
      FeedForwardBlock block = plugin.create(context, plugin.parseOptions(new ObjectMapper().readTree("{\"experts\": 8}"), "o"));
      block.initialize(manager, DataType.FLOAT32, new Shape(512, 256), new Shape(512));
      NDArray x = manager.randomNormal(new Shape(512, 256));
      NDArray modality = manager.randomInteger(0, 2, new Shape(512), DataType.INT32);
      NDArray upstream = manager.randomNormal(new Shape(512, 256));
      Repeatability.assertSameGradientBits(manager, block, List.of(x), 10,
          store -> block.forward(store, new NDList(x, modality), true).get(0).mul(upstream).sum());
    }
  }
}
