package org.moma.layer.moma;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.model.FeedForwardBlock;
import org.moma.api.model.LayerContext;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.api.testing.Repeatability;
import org.moma.router.expertchoice.SigmoidRouter;

/** Modality-aware groups (even, uneven, one per modality) over 1,024 tokens × d 256: same gradient bits every run. */
class RepeatableGradientsTest {
  @Test
  void fourTextFourImage() throws Exception {
    check("{\"text\": 4, \"image\": 4}");
  }

  @Test
  void unevenSixTextTwoImage() throws Exception {
    check("{\"text\": 6, \"image\": 2}");
  }

  @Test
  void oneTextOneImage() throws Exception {
    check("{\"text\": 1, \"image\": 1}");
  }

  private static void check(String experts) throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(12);
      MomaLayerPlugin plugin = new MomaLayerPlugin();
      LayerContext context = new LayerContext(0, new ModelDims(100, 256, 4, 64, 1, 1024), Modality.STANDARD,
          (ref, ctx, path) -> new SigmoidRouter(ctx.dModel(), ctx.experts(), 0));
      FeedForwardBlock block = plugin.create(context,
          plugin.parseOptions(new ObjectMapper().readTree("{\"experts\": " + experts + "}"), "model.ffn.options"));
      block.initialize(manager, DataType.FLOAT32, new Shape(1024, 256), new Shape(1024));
      NDArray x = manager.randomNormal(new Shape(1024, 256));
      NDArray modality = manager.randomInteger(0, 2, new Shape(1024), DataType.INT32);
      NDArray upstream = manager.randomNormal(new Shape(1024, 256));
      Repeatability.assertSameGradientBits(manager, block, List.of(x), 12,
          store -> block.forward(store, new NDList(x, modality), true).get(0).mul(upstream).sum());
    }
  }
}
