package org.moma.router.gumbel;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.RouterContext;
import org.moma.api.testing.Repeatability;
import org.moma.experts.ExpertGroup;

/** Gumbel-sigmoid routing through an expert group: same seed, same noise, same gradient bits. */
class RepeatableGradientsTest {
  @Test
  void noisyRoutingThroughABatchedGroup() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(6);
      GumbelRouterPlugin plugin = new GumbelRouterPlugin();
      ExpertGroup group = new ExpertGroup(256, 64, 4,
          plugin.create(new RouterContext(256, 4, "layer0.image"), Options.defaults(plugin.options())), true);
      group.initialize(manager, DataType.FLOAT32, new Shape(512, 256));
      NDArray x = manager.randomNormal(new Shape(512, 256));
      NDArray upstream = manager.randomNormal(new Shape(512, 256));
      Repeatability.assertSameGradientBits(manager, group, List.of(x), 6,
          store -> group.apply(store, x, true).get(0).mul(upstream).sum());
    }
  }
}
