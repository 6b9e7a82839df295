package org.moma.router.auxiliary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.model.AuxiliaryContext;
import org.moma.api.model.AuxiliaryRouterBlock;
import org.moma.api.model.AuxiliaryRouterPlugin;

/** The three auxiliary routers: probabilities per token and output, their sizes, when they train. */
class AuxiliaryRouterPluginsTest {
  private static AuxiliaryRouterBlock build(AuxiliaryRouterPlugin plugin, String options, int outputs) throws Exception {
    Options o = plugin.parseOptions(new ObjectMapper().readTree(options), "model.auxiliary.options");
    return plugin.create(new AuxiliaryContext(16, outputs, "layer0.text"), o);
  }

  @Test
  void eachGivesOneProbabilityPerTokenAndOutput() throws Exception {
    for (AuxiliaryRouterPlugin plugin : List.of(new AuxiliaryRouterPlugins.Mlp(), new AuxiliaryRouterPlugins.Linear(),
        new AuxiliaryRouterPlugins.Joint())) {
      try (NDManager manager = NDManager.newBaseManager()) {
        AuxiliaryRouterBlock router = build(plugin, "{}", 4);
        router.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
        float[] p = router.probabilities(new ParameterStore(manager, false), manager.randomNormal(new Shape(5, 16)), false)
            .toFloatArray();
        assertEquals(20, p.length, plugin.name());
        for (float v : p) {
          assertTrue(v > 0 && v < 1, plugin.name() + ": " + v);
        }
        assertEquals(4, router.outputs());
      }
    }
  }

  @Test
  void theMlpHasThePapersShapeAndOnlyJointTrainsWithTheModel() throws Exception {
    AuxiliaryRouterBlock mlp = build(new AuxiliaryRouterPlugins.Mlp(), "{}", 4);
    assertEquals(2.0 * 16 * 8 + 2.0 * 8 * 4, mlp.flopsPerToken(), "W1 d×d/2, W2 d/2×E");
    assertEquals(2.0 * 16 * 16 + 2.0 * 16 * 4, build(new AuxiliaryRouterPlugins.Mlp(), "{\"hidden\": 1}", 4).flopsPerToken());
    assertEquals(2.0 * 16 * 4, build(new AuxiliaryRouterPlugins.Linear(), "{}", 4).flopsPerToken());
    assertTrue(new AuxiliaryRouterPlugins.Joint().trainsJointly());
    assertFalse(new AuxiliaryRouterPlugins.Mlp().trainsJointly());
    SpecException e = assertThrows(SpecException.class, () -> build(new AuxiliaryRouterPlugins.Mlp(), "{\"hidden\": 0}", 4));
    assertTrue(e.getMessage().contains("model.auxiliary.options.hidden"), e.getMessage());
  }
}
