package org.moma.experts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.moma.api.model.RouterInput;
import org.moma.api.model.TokenContext;
import org.moma.api.model.Routing;
import org.moma.router.expertchoice.SigmoidRouter;

/** A router that breaks the Routing contract is named, with its group and what it broke, before libtorch sees its answer. */
class RoutingContractTest {
  static final int D = 8;
  static final int N = 16;
  static final int E = 4;

  /** A sigmoid router whose answer is rewritten by {@code breaker}. */
  static SigmoidRouter broken(BiFunction<Routing, NDManager, Routing> breaker) {
    return new SigmoidRouter(D, E, 0) {
      @Override
      public Routing route(ParameterStore store, RouterInput input) {
        return breaker.apply(super.route(store, input), input.hidden().getManager());
      }
    };
  }

  static String violation(BiFunction<Routing, NDManager, Routing> breaker) {
    try (NDManager manager = NDManager.newBaseManager()) {
      SigmoidRouter router = broken(breaker);
      router.setOrigin("router plugin 'broken' of bundle org.example.broken in group layer1.image");
      ExpertGroup group = new ExpertGroup(D, 16, E, router, true);
      group.initialize(manager, DataType.FLOAT32, new Shape(N, D));
      NDArray x = manager.randomNormal(new Shape(N, D));
      Routing.ContractViolation v = assertThrows(Routing.ContractViolation.class,
          () -> group.apply(new ParameterStore(manager, false), x, true));
      assertTrue(v.getMessage().startsWith("router plugin 'broken' of bundle org.example.broken in group layer1.image broke the Routing contract: "),
          v.getMessage());
      return v.getMessage();
    }
  }

  @Test
  void aWrongNumberOfExpertsIsNamed() {
    String m = violation((r, mm) -> new Routing(r.tokenIndices().subList(0, 3), r.gates().subList(0, 3), r.scores(), null));
    assertTrue(m.endsWith("returned 3 index lists and 3 gate vectors for 4 experts"), m);
  }

  @Test
  void anIndexOutsideTheGroupIsNamed() {
    String m = violation((r, mm) -> {
      List<NDArray> indices = new java.util.ArrayList<>(r.tokenIndices());
      indices.set(2, indices.get(2).add(N)); // every index of expert 2 shifted past the end
      return new Routing(indices, r.gates(), r.scores(), null);
    });
    assertTrue(m.contains("expert 2: token index") && m.endsWith("is outside [0, 16)"), m);
  }

  @Test
  void gatesLongerThanTheirIndicesAreNamed() {
    String m = violation((r, mm) -> {
      List<NDArray> gates = new java.util.ArrayList<>(r.gates());
      gates.set(1, gates.get(1).concat(gates.get(1)));
      return new Routing(r.tokenIndices(), gates, r.scores(), null);
    });
    assertTrue(m.endsWith("expert 1: 8 gates for 4 tokens"), m);
  }

  @Test
  void scoresOfTheWrongShapeAreNamed() {
    String m = violation((r, mm) -> new Routing(r.tokenIndices(), r.gates(), r.scores().transpose(), null));
    assertTrue(m.endsWith("scores are (4, 16), not (16, 4)"), m);
  }

  @Test
  void equalCapacityMatricesOfTheWrongShapeAreNamed() {
    String m = violation((r, mm) -> Routing.equalCapacity(r.indexMatrix().get(":3"), r.gateMatrix().get(":3"), r.scores(), null));
    assertTrue(m.endsWith("indices (3, 4) and gates (3, 4) must both be (4, k) for 4 experts"), m);
    m = violation((r, mm) -> Routing.equalCapacity(r.indexMatrix(), r.gateMatrix().reshape(-1), r.scores(), null));
    assertTrue(m.endsWith("indices (4, 4) and gates (16) must both be (4, k) for 4 experts"), m);
  }

  @Test
  void anEqualCapacityIndexOutsideTheGroupIsNamed() {
    String m = violation((r, mm) -> Routing.equalCapacity(r.indexMatrix().sub(N), r.gateMatrix(), r.scores(), null));
    assertTrue(m.contains("token index -") && m.endsWith("is outside [0, 16)"), m);
  }

  @Test
  void bothFormsOfTheSameRoutingGiveTheSameOutput() {
    try (NDManager manager = NDManager.newBaseManager()) {
      SigmoidRouter matrices = new SigmoidRouter(D, E, 0);
      SigmoidRouter lists = new SigmoidRouter(D, E, 0) {
        @Override
        public Routing route(ParameterStore store, RouterInput input) {
          Routing r = super.route(store, input);
          return new Routing(r.tokenIndices(), r.gates(), r.scores(), null);
        }
      };
      ExpertGroup a = new ExpertGroup(D, 16, E, matrices, true);
      ExpertGroup b = new ExpertGroup(D, 16, E, lists, true);
      a.initialize(manager, DataType.FLOAT32, new Shape(N, D));
      b.initialize(manager, DataType.FLOAT32, new Shape(N, D));
      for (var p : a.getParameters()) { // the same weights in both groups
        b.getParameters().get(p.getKey()).getArray().stopGradient().muli(0).addi(p.getValue().getArray());
      }
      NDArray x = manager.randomNormal(new Shape(N, D));
      ParameterStore store = new ParameterStore(manager, false);
      assertTrue(a.apply(store, x, true).get(0).allClose(b.apply(store, x, true).get(0), 1e-6, 1e-6, false));
      assertEquals(new Shape(E, N / E), matrices.route(store, new RouterInput(x, TokenContext.unknown(), null, true)).indexMatrix().getShape());
    }
  }

  @Test
  void aRouterThatKeepsTheContractPasses() {
    try (NDManager manager = NDManager.newBaseManager()) {
      ExpertGroup group = new ExpertGroup(D, 16, E, new SigmoidRouter(D, E, 0), true);
      group.initialize(manager, DataType.FLOAT32, new Shape(N, D));
      NDArray y = group.apply(new ParameterStore(manager, false), manager.randomNormal(new Shape(N, D)), true).get(0);
      assertEquals(new Shape(N, D), y.getShape());
    }
  }
}
