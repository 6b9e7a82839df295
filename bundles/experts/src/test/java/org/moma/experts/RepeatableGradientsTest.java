package org.moma.experts;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.testing.Repeatability;
import org.moma.router.expertchoice.SigmoidRouter;

/**
 * An expert-choice group's gradients are bit-identical run after run on two threads: 512 tokens
 * × d 256, four experts of 128 tokens each, so tokens are picked by several experts and the
 * gathered rows (131,072 elements) are far above libtorch's grain size.
 */
class RepeatableGradientsTest {
  @Test
  void batchedExecution() {
    check(true);
  }

  @Test
  void sequentialExecution() {
    check(false);
  }

  private static void check(boolean batched) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(3);
      ExpertGroup group = new ExpertGroup(256, 64, 4, new SigmoidRouter(256, 4, 0), batched);
      group.initialize(manager, DataType.FLOAT32, new Shape(512, 256));
      NDArray x = manager.randomNormal(new Shape(512, 256));
      NDArray upstream = manager.randomNormal(new Shape(512, 256));
      Repeatability.assertSameGradientBits(manager, group, List.of(x), 3,
          store -> group.apply(store, x, true).get(0).mul(upstream).sum());
    }
  }
}
