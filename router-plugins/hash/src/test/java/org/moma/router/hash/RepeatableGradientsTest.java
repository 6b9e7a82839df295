package org.moma.router.hash;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.RouterContext;
import org.moma.api.model.TokenContext;
import org.moma.api.testing.Repeatability;
import org.moma.experts.ExpertGroup;

/** Hash routing through an expert group: the same gradient bits run after run on two threads. */
class RepeatableGradientsTest {
  @Test
  void hashRoutingThroughABatchedGroup() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(7);
      HashRouterPlugin plugin = new HashRouterPlugin();
      ExpertGroup group = new ExpertGroup(256, 64, 4,
          plugin.create(new RouterContext(256, 4, "layer0.text"), Options.defaults(plugin.options())), true);
      group.initialize(manager, DataType.FLOAT32, new Shape(512, 256));
      NDArray x = manager.randomNormal(new Shape(512, 256));
      NDArray ids = manager.randomInteger(0, 40, new Shape(512), DataType.INT64); // ids repeat
      NDArray positions = manager.arange(0, 512, 1, DataType.INT64);
      TokenContext tokens = TokenContext.of(ids, positions, manager.zeros(new Shape(512), DataType.INT64), null);
      NDArray upstream = manager.randomNormal(new Shape(512, 256));
      Repeatability.assertSameGradientBits(manager, group, List.of(x), 7,
          store -> group.apply(store, x, tokens, null, true).get(0).mul(upstream).sum());
    }
  }
}
