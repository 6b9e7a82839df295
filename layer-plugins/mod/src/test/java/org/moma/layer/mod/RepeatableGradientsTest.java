package org.moma.layer.mod;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.model.DepthSelection;
import org.moma.api.testing.Repeatability;

/**
 * The mixture-of-depths router over 4 sequences × 256 tokens × d 256: its weights and scores give
 * the same gradient bits every run (the layer's own gather and scatter are checked with the backbone).
 */
class RepeatableGradientsTest {
  @Test
  void depthRouter() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(14);
      ModDepthPlugin.DepthRouter router = new ModDepthPlugin.DepthRouter(256, 0.25);
      router.initialize(manager, DataType.FLOAT32, new Shape(4, 256, 256));
      NDArray x = manager.randomNormal(new Shape(4, 256, 256));
      NDArray upstream = manager.randomNormal(new Shape(4, 64));
      Repeatability.assertSameGradientBits(manager, router, List.of(x), 14, store -> {
        DepthSelection s = router.select(store, x, true);
        return s.weights().mul(upstream).sum().add(s.scores().square().sum());
      });
    }
  }
}
