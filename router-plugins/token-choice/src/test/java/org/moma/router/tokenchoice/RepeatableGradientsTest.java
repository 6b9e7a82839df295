package org.moma.router.tokenchoice;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.testing.Repeatability;
import org.moma.experts.ExpertGroup;

/**
 * Top-2 token choice through a group of stacked experts (run one after another), with its
 * load-balancing loss: the same gradient bits run after run on two threads.
 */
class RepeatableGradientsTest {
  @Test
  void topTwoWithBalanceLoss() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(8);
      ExpertGroup group = new ExpertGroup(256, 64, 4,
          new TokenChoiceRouterPlugin.TokenChoiceRouter(256, 4, 2, 1.0, 0.01, true), true);
      group.initialize(manager, DataType.FLOAT32, new Shape(512, 256));
      NDArray x = manager.randomNormal(new Shape(512, 256));
      NDArray upstream = manager.randomNormal(new Shape(512, 256));
      Repeatability.assertSameGradientBits(manager, group, List.of(x), 8, store -> {
        NDList out = group.apply(store, x, true);
        return out.get(0).mul(upstream).sum().add(out.get(1));
      });
    }
  }
}
