package org.moma.router.hash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterContext;
import org.moma.api.model.RouterInput;
import org.moma.api.model.Routing;
import org.moma.api.model.TokenContext;
import org.moma.experts.ExpertGroup;

/** The hash router reads token ids from the router input: fixed, balanced, one expert per token, gate 1. */
class HashRouterTest {
  static final int E = 4;
  static final int D = 8;

  private static RouterBlock router(int seed) throws Exception {
    HashRouterPlugin plugin = new HashRouterPlugin();
    Options options = plugin.parseOptions(new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"seed\": " + seed + "}"), "o");
    return plugin.create(new RouterContext(D, E, "layer0.text"), options);
  }

  @Test
  void everyAlignedRangeOfIdsIsSharedEvenly() throws Exception {
    HashRouter router = (HashRouter) router(0);
    for (int start : new int[] {0, 4 * 17, 4 * 1000}) {
      int[] perExpert = new int[E];
      for (long id = start; id < start + 4 * 50; id++) {
        perExpert[router.expertOf(id)]++;
      }
      assertArrayEquals(new int[] {50, 50, 50, 50}, perExpert, "ids from " + start);
    }
    HashRouter other = (HashRouter) router(1);
    long differ = java.util.stream.LongStream.range(0, 400).filter(id -> router.expertOf(id) != other.expertOf(id)).count();
    assertTrue(differ > 100, "another seed gives another assignment (" + differ + " of 400 ids moved)");
    long notModulo = java.util.stream.LongStream.range(0, 400).filter(id -> router.expertOf(id) != id % E).count();
    assertTrue(notModulo > 100, "not simply id mod E (" + notModulo + " of 400 differ)");
  }

  @Test
  void aTokenGoesToItsIdsExpertWhateverItsStateOrPlace() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      HashRouter router = (HashRouter) router(3);
      router.initialize(manager, DataType.FLOAT32, new Shape(6, D));
      long[] ids = {7, 7, 300, 12, 7, 301};
      TokenContext tokens = TokenContext.of(manager.create(ids), manager.create(new long[] {0, 5, 1, 2, 3, 4}),
          manager.create(new long[] {0, 1, 0, 0, 1, 1}), null);
      Routing r = router.route(new ParameterStore(manager, false),
          new RouterInput(manager.randomNormal(new Shape(6, D)), tokens, null, true));
      r.check(6, E, "hash");
      int[] seen = new int[6];
      for (int e = 0; e < E; e++) {
        for (long t : r.tokenIndices().get(e).toLongArray()) {
          seen[(int) t]++;
          assertEquals(router.expertOf(ids[(int) t]), e, "token " + t);
        }
        for (float g : r.gates().get(e).toFloatArray()) {
          assertEquals(1f, g);
        }
      }
      assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1}, seen, "each token passes exactly one expert");
    }
  }

  @Test
  void inAnExpertGroupEachTokenIsItsExpertsOutput() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      ExpertGroup group = new ExpertGroup(D, 16, E, router(0), true);
      group.initialize(manager, DataType.FLOAT32, new Shape(10, D));
      ParameterStore store = new ParameterStore(manager, false);
      NDArray x = manager.randomNormal(new Shape(10, D));
      long[] ids = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
      NDArray y = group.apply(store, x, TokenContext.of(manager.create(ids), null, null, null), null, true).get(0);
      HashRouter router = (HashRouter) group.router();
      assertTrue(group.causal() && !group.needsAuxiliary(), "routing by token id needs no auxiliary router to be causal");
      for (int t = 0; t < 10; t++) {
        NDArray expected = group.expert(store, router.expertOf(ids[t]), x.get(t).reshape(1, D), false);
        assertArrayEquals(expected.reshape(D).toFloatArray(), y.get(t).toFloatArray(), 1e-5f);
      }
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> group.apply(store, x, false));
      assertTrue(e.getMessage().contains("token ids"), e.getMessage());
    }
  }
}
