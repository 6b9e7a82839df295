package org.moma.router.tokenchoice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.moma.api.model.Routing;

class TokenChoiceRouterTest {
  @Test
  void tokensGoToTheirTopExpertsWithinCapacityAndTheBalanceLossLearns() {
    Engine.getInstance().setRandomSeed(2);
    try (NDManager manager = NDManager.newBaseManager()) {
      TokenChoiceRouterPlugin.TokenChoiceRouter router =
          new TokenChoiceRouterPlugin.TokenChoiceRouter(8, 4, 2, 1.0, 0.01, true);
      router.initialize(manager, DataType.FLOAT32, new Shape(20, 8));
      NDArray x = manager.randomNormal(new Shape(20, 8));
      Routing r;
      try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
        r = router.route(new ParameterStore(manager, false), org.moma.api.model.RouterInput.of(x, true));
        c.backward(r.auxLoss());
      }
      int capacity = TokenChoiceRouterPlugin.TokenChoiceRouter.capacity(20, 4, 2, 1.0);
      assertEquals(10, capacity);
      Map<Long, Integer> visits = new HashMap<>();
      for (int e = 0; e < 4; e++) {
        long[] idx = r.tokenIndices().get(e).toLongArray();
        assertTrue(idx.length <= capacity, "expert " + e + " over capacity: " + idx.length);
        float[] probs = r.scores().toFloatArray();
        for (long t : idx) {
          visits.merge(t, 1, Integer::sum);
          // the expert is among the token's top 2 by probability
          int better = 0;
          for (int j = 0; j < 4; j++) {
            better += probs[(int) t * 4 + j] > probs[(int) t * 4 + e] ? 1 : 0;
          }
          assertTrue(better < 2, "token " + t + " sent to its " + (better + 1) + "th expert");
        }
      }
      visits.values().forEach(v -> assertTrue(v <= 2, "a token visited more than top-2 experts"));
      float gradient = router.getParameters().get(0).getValue().getArray().getGradient().abs().sum().getFloat();
      assertTrue(gradient > 0, "the balancing loss does not reach the gate");
      assertEquals(2.0, router.expertsPerToken());
    }
  }
}
