package org.moma.router.tokenchoice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterContext;
import org.moma.api.model.RouterInput;

/** The spec's load-balance loss term weighs token choice's balancing loss; the option and the term together are refused. */
class LoadBalanceTermTest {
  private static double auxLoss(RouterContext context, String options) throws Exception {
    TokenChoiceRouterPlugin plugin = new TokenChoiceRouterPlugin();
    RouterBlock router = plugin.create(context, Options.parse(new ObjectMapper().readTree(options), plugin.options(), "o"));
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(3);
      router.initialize(m, DataType.FLOAT32, new Shape(16, 8));
      NDArray x = m.randomNormal(new Shape(16, 8));
      return router.route(new ParameterStore(m, false), RouterInput.of(x, true)).auxLoss().getFloat();
    }
  }

  @Test
  void theTermsWeightReplacesTheDefaultAndBothAtOnceAreRefused() throws Exception {
    RouterContext plain = new RouterContext(8, 4, "layer0.text");
    double byDefault = auxLoss(plain, "{}");
    double byTerm = auxLoss(plain.withLossWeights(Map.of("load-balance", 0.05)), "{}");
    double byOption = auxLoss(plain, "{\"balance\": 0.05}");
    assertTrue(byDefault > 0);
    assertEquals(5 * byDefault, byTerm, 1e-5 * byTerm, "weight 0.05 against the default 0.01");
    assertEquals(byOption, byTerm, 1e-7, "the term and the option mean the same");
    SpecException e = assertThrows(SpecException.class,
        () -> auxLoss(plain.withLossWeights(Map.of("load-balance", 0.05)), "{\"balance\": 0.02}"));
    assertEquals("o.balance", e.path());
  }
}
