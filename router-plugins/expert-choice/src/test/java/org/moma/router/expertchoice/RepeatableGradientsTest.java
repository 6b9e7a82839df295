package org.moma.router.expertchoice;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.model.RouterInput;
import org.moma.api.model.Routing;
import org.moma.api.testing.Repeatability;

/** The sigmoid router's gates and scores give the same gradient bits run after run on two threads. */
class RepeatableGradientsTest {
  @Test
  void gatesAndScores() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(4);
      SigmoidRouter router = new SigmoidRouter(256, 8, 0.5); // each token wanted by about four experts
      router.initialize(manager, DataType.FLOAT32, new Shape(1024, 256));
      NDArray x = manager.randomNormal(new Shape(1024, 256));
      NDArray upstream = manager.randomNormal(new Shape(8, 512));
      Repeatability.assertSameGradientBits(manager, router, List.of(x), 4, store -> {
        Routing r = router.route(store, RouterInput.of(x, true));
        return r.gateMatrix().mul(upstream).sum().add(r.scores().square().sum());
      });
    }
  }
}
