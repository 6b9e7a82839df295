package org.moma.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.Options;
import org.moma.api.model.LayerContext;
import org.moma.api.model.Modality;
import org.moma.api.model.ModelDims;
import org.moma.layer.dense.DenseLayerPlugin;

/** Changing future tokens must leave the logits of earlier positions unchanged. */
class CausalityTest {
  @Test
  void futureTokensDoNotChangeEarlierLogits() {
    ModelDims dims = new ModelDims(20, 16, 4, 32, 2, 12);
    DenseLayerPlugin dense = new DenseLayerPlugin();
    Options options = Options.defaults(dense.options());
    EarlyFusionModel model =
        new EarlyFusionModel(
            dims,
            List.of(
                new TransformerLayer(16, 4, dense.create(new LayerContext(0, dims, Modality.STANDARD, null), options)),
                new TransformerLayer(16, 4, dense.create(new LayerContext(1, dims, Modality.STANDARD, null), options))));
    Engine.getInstance().setRandomSeed(11);
    try (NDManager manager = NDManager.newBaseManager()) {
      Shape shape = new Shape(1, 12);
      model.initialize(manager, DataType.FLOAT32, shape, shape);
      int[] a = {3, 7, 1, 19, 4, 4, 8, 2, 11, 5, 6, 0};
      int[] b = a.clone();
      int cut = 7;
      for (int i = cut; i < b.length; i++) {
        b[i] = (b[i] + 5) % 20;
      }
      NDArray modality = manager.zeros(shape, DataType.INT32);
      ParameterStore store = new ParameterStore(manager, false);
      NDArray la = model.forward(store, new NDList(manager.create(a, shape), modality), false).head();
      NDArray lb = model.forward(store, new NDList(manager.create(b, shape), modality), false).head();
      float[] prefixA = la.get(new NDIndex(":, :{}, :", cut)).toFloatArray();
      float[] prefixB = lb.get(new NDIndex(":, :{}, :", cut)).toFloatArray();
      assertArrayEquals(prefixA, prefixB, 1e-5f);
      float[] restA = la.get(new NDIndex(":, {}:, :", cut)).toFloatArray();
      float[] restB = lb.get(new NDIndex(":, {}:, :", cut)).toFloatArray();
      assertFalse(Arrays.equals(restA, restB), "changed tokens must change their own logits");
    }
  }
}
