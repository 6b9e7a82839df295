package org.moma.layer.dense;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.FeedForwardBlock;
import org.moma.api.model.LayerContext;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.api.testing.Repeatability;

/** The dense SwiGLU feed-forward over 1,024 tokens × d 256: the same gradient bits every run. */
class RepeatableGradientsTest {
  @Test
  void swiGlu() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(13);
      DenseLayerPlugin plugin = new DenseLayerPlugin();
      LayerContext context = new LayerContext(0, new ModelDims(100, 256, 4, 256, 1, 1024), Modality.STANDARD, null);
      FeedForwardBlock block = plugin.create(context, Options.defaults(plugin.options()));
      block.initialize(manager, DataType.FLOAT32, new Shape(1024, 256), new Shape(1024));
      NDArray x = manager.randomNormal(new Shape(1024, 256));
      NDArray modality = manager.zeros(new Shape(1024), DataType.INT32);
      NDArray upstream = manager.randomNormal(new Shape(1024, 256));
      Repeatability.assertSameGradientBits(manager, block, List.of(x), 13,
          store -> block.forward(store, new NDList(x, modality), true).get(0).mul(upstream).sum());
    }
  }
}
