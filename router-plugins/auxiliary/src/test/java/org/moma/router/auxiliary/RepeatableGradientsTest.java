package org.moma.router.auxiliary;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.AuxiliaryContext;
import org.moma.api.model.AuxiliaryRouterBlock;
import org.moma.api.model.AuxiliaryRouterPlugin;
import org.moma.api.testing.Repeatability;

/** Every auxiliary router's gradients against its targets are the same bits run after run. */
class RepeatableGradientsTest {
  @Test
  void mlpLinearAndJoint() {
    for (AuxiliaryRouterPlugin plugin : List.of(new AuxiliaryRouterPlugins.Mlp(), new AuxiliaryRouterPlugins.Linear(),
        new AuxiliaryRouterPlugins.Joint())) {
      try (NDManager manager = NDManager.newBaseManager()) {
        Engine.getInstance().setRandomSeed(9);
        AuxiliaryRouterBlock router = plugin.create(new AuxiliaryContext(256, 4, "layer0.text"), Options.defaults(plugin.options()));
        router.initialize(manager, DataType.FLOAT32, new Shape(1, 256));
        NDArray x = manager.randomNormal(new Shape(1024, 256));
        NDArray upstream = manager.randomNormal(new Shape(1024, 4));
        Repeatability.assertSameGradientBits(manager, router, List.of(x), 9,
            store -> router.probabilities(store, x, true).mul(upstream).sum());
      }
    }
  }
}
