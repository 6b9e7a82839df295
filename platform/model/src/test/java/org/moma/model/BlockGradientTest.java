package org.moma.model;

import org.moma.model.internal.RmsNorm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.FeedForwardBlock;
import org.moma.api.model.LayerContext;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.layer.dense.DenseLayerPlugin;

/** Gradient checks of every block of the backbone against finite differences (float64). */
class BlockGradientTest {
  private static final ModelDims DIMS = new ModelDims(11, 8, 2, 12, 2, 5);
  private NDManager manager;

  @BeforeEach
  void setUp() {
    Engine.getInstance().setRandomSeed(3);
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  @Test
  void rmsNorm() {
    RmsNorm norm = new RmsNorm(8);
    norm.initialize(manager, DataType.FLOAT64, new Shape(3, 8));
    // a non-trivial scale so its gradient is not symmetric
    norm.getParameters().get(0).getValue().getArray().set(manager.randomNormal(0, 1, new Shape(8), DataType.FLOAT64).toDoubleArray());
    NDArray x = manager.randomNormal(0, 1, new Shape(3, 8), DataType.FLOAT64);
    GradientCheck.check(norm, manager, () -> new NDList(x), 8, 1e-5);
  }

  @Test
  void denseSwiGluFeedForward() {
    FeedForwardBlock ffn = dense();
    ffn.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
    ffn.initialize(manager, DataType.FLOAT64, new Shape(6, 8), new Shape(6));
    NDArray x = manager.randomNormal(0, 1, new Shape(6, 8), DataType.FLOAT64);
    NDArray modality = manager.zeros(new Shape(6), DataType.INT32);
    GradientCheck.check(ffn, manager, () -> new NDList(x, modality), 10, 1e-5);
  }

  @Test
  void causalSelfAttentionWithQueryKeyNormAndRotary() {
    CausalSelfAttention attention = new CausalSelfAttention(8, 2);
    attention.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
    attention.initialize(manager, DataType.FLOAT64, new Shape(2, 5, 8), new Shape(2, 5));
    NDArray x = manager.randomNormal(0, 1, new Shape(2, 5, 8), DataType.FLOAT64);
    NDArray positions = manager.arange(5).reshape(1, 5).broadcast(new Shape(2, 5));
    GradientCheck.check(attention, manager, () -> new NDList(x, positions), 10, 1e-5);
  }

  @Test
  void wholeEarlyFusionModel() {
    EarlyFusionModel model = model();
    model.setInitializer(new NormalInitializer(0.3f), Parameter.Type.WEIGHT);
    Shape tokens = new Shape(2, 5);
    model.initialize(manager, DataType.FLOAT64, tokens, tokens);
    NDArray ids = manager.create(new int[] {1, 4, 2, 9, 10, 0, 3, 3, 7, 5}, tokens);
    NDArray modality = manager.create(new int[] {0, 0, 1, 1, 0, 0, 0, 1, 1, 1}, tokens);
    GradientCheck.check(model, manager, () -> new NDList(ids, modality), 4, 1e-5);
  }

  @Test
  void modelFlopsAreTheSumOfItsParts() {
    EarlyFusionModel model = model();
    double attention = 2.0 * 4 * 8 * 8 + 2.0 * 2 * 8 * 5;
    double ffn = 6.0 * 8 * 12;
    double head = 2.0 * 8 * 11;
    assertEquals(2 * (attention + ffn) + head, model.forwardFlopsPerToken(), 1e-9);
  }

  private static FeedForwardBlock dense() {
    DenseLayerPlugin plugin = new DenseLayerPlugin();
    return plugin.create(new LayerContext(0, DIMS, Modality.STANDARD, null), Options.defaults(plugin.options()));
  }

  private static EarlyFusionModel model() {
    return new EarlyFusionModel(
        DIMS, List.of(new TransformerLayer(8, 2, dense()), new TransformerLayer(8, 2, dense())));
  }
}
