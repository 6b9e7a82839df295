package org.moma.layer.moma;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.model.FeedForwardBlock;
import org.moma.api.model.LayerContext;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.api.model.Routing;
import org.moma.api.model.RouterInput;
import org.moma.experts.ExpertGroup;
import org.moma.experts.SwiGlu;
import org.moma.router.expertchoice.SigmoidRouter;

/** Routing invariants of expert-choice MoE and modality-aware groups, on tiny shapes. */
class MomaLayerTest {
  private static final int D = 6;
  private static final int H = 10;
  private NDManager manager;

  @BeforeEach
  void setUp() {
    Engine.getInstance().setRandomSeed(5);
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  private LayerContext context() {
    return new LayerContext(0, new ModelDims(50, D, 2, H, 1, 8), Modality.STANDARD,
        (ref, ctx, path) -> new SigmoidRouter(ctx.dModel(), ctx.experts(), 0));
  }

  private FeedForwardBlock moma(String experts) throws Exception {
    MomaLayerPlugin plugin = new MomaLayerPlugin();
    Options o = plugin.parseOptions(new ObjectMapper().readTree("{\"experts\": " + experts + "}"), "model.ffn.options");
    FeedForwardBlock block = plugin.create(context(), o);
    block.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
    return block;
  }

  @Test
  void everyExpertTakesExactlyItsCapacity() {
    SigmoidRouter router = new SigmoidRouter(D, 4, 0);
    router.initialize(manager, DataType.FLOAT32, new Shape(10, D));
    Routing r = router.route(new ParameterStore(manager, false), RouterInput.of(manager.randomNormal(new Shape(10, D)), true));
    for (int e = 0; e < 4; e++) {
      long[] idx = r.tokenIndices().get(e).toLongArray();
      assertEquals(3, idx.length, "round(10 / 4) tokens per expert");
      assertEquals(3, new HashSet<>(java.util.Arrays.stream(idx).boxed().toList()).size(), "an expert takes a token once");
      float[] gates = r.gates().get(e).toFloatArray();
      float[] scores = r.scores().get(new NDIndex(":, {}", e)).toFloatArray();
      float[] sorted = scores.clone();
      java.util.Arrays.sort(sorted);
      for (int i = 0; i < 3; i++) {
        assertEquals(scores[(int) idx[i]], gates[i], 1e-6f, "gate is the router score");
        assertTrue(gates[i] >= sorted[sorted.length - 3], "expert took a token outside its top 3");
      }
    }
  }

  @Test
  void combineEqualsANaivePerTokenLoop() {
    combineEqualsNaiveLoop(false);
  }

  @Test
  void batchedCombineEqualsANaivePerTokenLoop() {
    combineEqualsNaiveLoop(true);
  }

  private void combineEqualsNaiveLoop(boolean batched) {
    SigmoidRouter router = new SigmoidRouter(D, 3, 0.5);
    ExpertGroup group = new ExpertGroup(D, H, 3, router, batched);
    group.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
    group.initialize(manager, DataType.FLOAT32, new Shape(7, D));
    ParameterStore store = new ParameterStore(manager, false);
    NDArray x = manager.randomNormal(new Shape(7, D));
    NDArray y = group.apply(store, x, false).get(0);
    Routing routing = group.lastRouting();
    for (int t = 0; t < 7; t++) {
      NDArray expected = manager.zeros(new Shape(D));
      for (int e = 0; e < 3; e++) {
        long[] idx = routing.tokenIndices().get(e).toLongArray();
        float[] gates = routing.gates().get(e).toFloatArray();
        for (int i = 0; i < idx.length; i++) {
          if (idx[i] == t) {
            expected = expected.add(group.expert(store, e, x.get(t).reshape(1, D), false).reshape(D).mul(gates[i]));
          }
        }
      }
      assertArrayEquals(expected.toFloatArray(), y.get(t).toFloatArray(), 1e-5f, "token " + t);
    }
  }

  @Test
  void imageOnlyBatchGivesTextExpertsZeroGradientAndReachesImageRouters() throws Exception {
    FeedForwardBlock block = moma("{\"text\": 2, \"image\": 2}");
    block.initialize(manager, DataType.FLOAT32, new Shape(8, D), new Shape(8));
    NDArray x = manager.randomNormal(new Shape(8, D));
    NDArray modality = manager.ones(new Shape(8), DataType.INT32); // all image
    try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
      NDArray y = block.forward(new ParameterStore(manager, false), new NDList(x, modality), true).get(0);
      c.backward(y.square().sum());
    }
    boolean imageRouterLearns = false;
    int textParameters = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      float mass = p.getValue().getArray().getGradient().abs().sum().getFloat();
      if (p.getKey().startsWith("01text")) {
        textParameters++;
        assertEquals(0f, mass, 0f, p.getKey() + " received gradient from image tokens");
      } else if (p.getKey().contains("router")) {
        imageRouterLearns |= mass > 0;
      }
    }
    assertTrue(imageRouterLearns, "no gradient reached the image group's router");
    assertEquals(3 + 1, textParameters, "the text experts' three stacked matrices and the text router");
  }

  @Test
  void oneExpertPerModalityIsAPlainFfnPerModality() throws Exception {
    FeedForwardBlock block = moma("{\"text\": 1, \"image\": 1}");
    block.initialize(manager, DataType.FLOAT32, new Shape(4, D), new Shape(4));
    NDArray x = manager.randomNormal(new Shape(4, D));
    NDArray modality = manager.create(new int[] {0, 1, 0, 1});
    ParameterStore store = new ParameterStore(manager, false);
    NDArray y = block.forward(store, new NDList(x, modality), false).get(0);
    ExpertGroup text = ((MomaLayerPlugin.ModalityGroups) block).groups().get(0);
    ExpertGroup image = ((MomaLayerPlugin.ModalityGroups) block).groups().get(1);
    assertArrayEquals(text.experts().get(0).apply(store, x.get(0).reshape(1, D), false).toFloatArray(), y.get(0).toFloatArray(), 1e-5f);
    assertArrayEquals(image.experts().get(0).apply(store, x.get(1).reshape(1, D), false).toFloatArray(), y.get(1).toFloatArray(), 1e-5f);
  }

  @Test
  void flopsPerTokenMatchTheAnalyticCount() throws Exception {
    double ffn = SwiGlu.flopsPerToken(D, H);
    assertEquals(ffn, moma("{\"text\": 1, \"image\": 1}").forwardFlopsPerToken(), 1e-9);
    assertEquals(ffn + 2.0 * D * 4, moma("{\"text\": 4, \"image\": 4}").forwardFlopsPerToken(), 1e-9);
    // uneven groups: the average over modalities of (expert + router)
    assertEquals(ffn + (2.0 * D * 6 + 2.0 * D * 2) / 2, moma("{\"text\": 6, \"image\": 2}").forwardFlopsPerToken(), 1e-9);
  }

  @Test
  void modalityIndicesAreComputedOncePerBatchAndSharedByEveryLayer() {
    NDArray modality = manager.create(new int[] {0, 1, 1, 0, 1});
    NDArray first = org.moma.experts.ModalityIndex.of(modality, 1);
    assertArrayEquals(new long[] {1, 2, 4}, first.toLongArray());
    assertTrue(first == org.moma.experts.ModalityIndex.of(modality, 1), "a second layer recomputed the indices");
    NDArray next = manager.create(new int[] {1, 0});
    assertArrayEquals(new long[] {0}, org.moma.experts.ModalityIndex.of(next, 1).toLongArray(), "a new batch got stale indices");
  }

  @Test
  void unknownModalityInTheOptionsIsNamed() {
    SpecException e = assertThrows(SpecException.class, () -> moma("{\"audio\": 2}"));
    assertEquals("model.ffn.options.experts.audio", e.path());
  }
}
