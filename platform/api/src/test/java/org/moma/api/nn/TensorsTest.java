package org.moma.api.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moma.api.testing.Repeatability;

/**
 * The expert combine: rows added into their targets, with gradients back to every row; and the
 * expert gather: repeated rows whose gradients add up the same way every time.
 */
class TensorsTest {
  @Test
  void sumRowsIntoAddsEachRowToItsTargetAndIsDifferentiable() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray rows = m.create(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new Shape(4, 2));
      rows.setRequiresGradient(true);
      NDArray index = m.create(new long[] {2, 0, 2, 3});
      NDArray weights = m.create(new float[] {1, 10, 100, 1000, 2, 20, 200, 2000}, new Shape(4, 2));
      try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
        NDArray y = Tensors.sumRowsInto(rows, index, 4);
        // row 0 ← row 1; row 1 ← nothing; row 2 ← rows 0 and 2; row 3 ← row 3
        assertArrayEquals(new float[] {3, 4, 0, 0, 6, 8, 7, 8}, y.toFloatArray());
        c.backward(y.mul(weights).sum());
      }
      // each row's gradient is the weight of the target row it went to
      assertArrayEquals(new float[] {2, 20, 1, 10, 2, 20, 200, 2000}, rows.getGradient().toFloatArray());
    }
  }

  @Test
  void aCombineOfACombineStillCarriesGradients() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.randomNormal(new Shape(6, 3));
      x.setRequiresGradient(true);
      try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
        NDArray inner = Tensors.sumRowsInto(x.mul(x), m.create(new long[] {5, 4, 3, 2, 1, 0}), 6);
        NDArray outer = Tensors.sumRowsInto(inner, m.arange(6).toType(DataType.INT64, false), 6);
        c.backward(outer.sum());
      }
      assertTrue(x.getGradient().abs().sum().getFloat() > 0);
    }
  }

  @Test
  void oneSourceCoveringEveryRowKeepsItsGradient() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = m.randomNormal(new Shape(3, 3));
      w.setRequiresGradient(true);
      NDArray x = m.randomNormal(new Shape(4, 3));
      try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
        NDArray rows = x.matMul(w);
        NDArray y = Tensors.sumRowsInto(Tensors.concat(new ai.djl.ndarray.NDList(rows)), m.create(new long[] {1, 0, 3, 2}), 4);
        NDArray z = Tensors.sumRowsInto(y, m.create(new long[] {0, 1, 2, 3}), 4);
        c.backward(z.square().sum());
      }
      assertTrue(w.getGradient().abs().sum().getFloat() > 0);
    }
  }

  @Test
  void rowsTakesRepeatedRowsAndAddsTheirGradients() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(3, 2));
      x.setRequiresGradient(true);
      try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
        NDArray rows = Tensors.rows(x, m.create(new long[] {2, 0, 2, 2}));
        assertArrayEquals(new float[] {5, 6, 1, 2, 5, 6, 5, 6}, rows.toFloatArray());
        c.backward(rows.mul(m.create(new float[] {1, 10, 100, 1000, 2, 20, 3, 30}, new Shape(4, 2))).sum());
      }
      assertArrayEquals(new float[] {100, 1000, 0, 0, 6, 60}, x.getGradient().toFloatArray());
    }
  }

  @Test
  void rowsGradientsAreBitIdenticalRunAfterRunOnTwoThreads() {
    // 2,048 picks of 512 rows x d 256: far above libtorch's 32,768-element grain, every row repeated
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(11);
      NDArray x = m.randomNormal(new Shape(512, 256));
      NDArray index = m.randomInteger(0, 512, new Shape(2048), DataType.INT64);
      NDArray upstream = m.randomNormal(new Shape(2048, 256));
      Repeatability.assertSameGradientBits(m, null, List.of(x), 11,
          store -> Tensors.rows(x, index).mul(upstream).sum());
    }
  }

  @Test
  void castChangesTheTypeAndCarriesGradientsBackInTheSourceType() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(new float[] {1.5f, -2f, 3.25f});
      x.setRequiresGradient(true);
      try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
        NDArray half = Tensors.cast(x, DataType.FLOAT16);
        assertTrue(half.getDataType() == DataType.FLOAT16);
        NDArray back = Tensors.cast(half.mul(half), DataType.FLOAT32);
        assertTrue(back.getDataType() == DataType.FLOAT32);
        c.backward(back.sum());
      }
      assertArrayEquals(new float[] {3f, -4f, 6.5f}, x.getGradient().toFloatArray());
      assertTrue(x.getGradient().getDataType() == DataType.FLOAT32);
    }
  }
}
