package org.moma.router.gumbel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterContext;
import org.moma.experts.ExpertGroup;

/**
 * The selections auxiliary routers learn (paper §2.4) come from the router's clean sigmoid scores,
 * as inference will route, never from the Gumbel noise a training forward adds.
 */
class AuxiliaryTargetsTest {
  @Test
  void recordedTargetsAreTheNoiseFreeTopK() {
    int d = 8;
    int n = 64;
    try (NDManager manager = NDManager.newBaseManager()) {
      GumbelRouterPlugin plugin = new GumbelRouterPlugin();
      RouterBlock router = plugin.create(new RouterContext(d, 4, "test"), Options.defaults(plugin.options()));
      ExpertGroup group = new ExpertGroup(d, 16, 4, router, true);
      group.initialize(manager, DataType.FLOAT32, new Shape(n, d));
      ParameterStore store = new ParameterStore(manager, false);
      NDArray x = manager.randomNormal(new Shape(n, d));

      group.record(true, true);
      group.apply(store, x, true); // a training forward, as AuxiliaryRouters makes
      float[] recorded = group.recordedTargets().toFloatArray();
      group.record(false, true);

      group.apply(store, x, false); // clean sigmoid scores, batch top-k
      float[] clean = selections(group, manager, n);
      group.apply(store, x, true); // with Gumbel noise
      float[] noisy = selections(group, manager, n);

      assertFalse(Arrays.equals(clean, noisy), "the noise changes the selection here, so the test can tell them apart");
      assertArrayEquals(clean, recorded, "targets recorded during a training forward are the noise-free top-k");
    }
  }

  /** {@code [n, E]} 0/1 selections of the group's last routing. */
  private static float[] selections(ExpertGroup group, NDManager manager, int n) {
    float[] out = new float[n * group.count()];
    for (int e = 0; e < group.count(); e++) {
      for (long t : group.lastRouting().tokenIndices().get(e).toLongArray()) {
        out[(int) t * group.count() + e] = 1;
      }
    }
    return out;
  }
}
