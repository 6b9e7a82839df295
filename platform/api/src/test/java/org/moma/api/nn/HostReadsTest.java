package org.moma.api.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Deferred values travel with the next read, in order, whatever their types; nothing is read twice. */
class HostReadsTest {
  @Test
  void deferredValuesArriveWithTheNextReadInOrder() {
    try (NDManager m = NDManager.newBaseManager()) {
      List<double[]> arrived = new ArrayList<>();
      HostReads.defer(m.create(new float[] {1.5f, 2.5f}), arrived::add);
      HostReads.defer(m.create(new long[] {7, 8, 9}), arrived::add);
      assertTrue(HostReads.pending());
      double[] now = HostReads.read(m.create(new int[] {4, 5}));
      assertArrayEquals(new double[] {4, 5}, now);
      assertArrayEquals(new double[] {1.5, 2.5}, arrived.get(0));
      assertArrayEquals(new double[] {7, 8, 9}, arrived.get(1));
      assertFalse(HostReads.pending());
      assertArrayEquals(new double[] {3}, HostReads.read(m.create(3.0).toType(DataType.FLOAT64, false)), "nothing waits now");
      assertTrue(arrived.size() == 2);
    }
  }

  @Test
  void flushReadsWhatWaitsAndDiscardForgetsIt() {
    try (NDManager m = NDManager.newBaseManager()) {
      double[][] got = new double[2][];
      NDArray a = m.create(new float[] {1, 2});
      HostReads.defer(a, v -> got[0] = v);
      HostReads.defer(m.create(new float[] {3}), v -> got[1] = v);
      HostReads.flush();
      assertArrayEquals(new double[] {1, 2}, got[0]);
      assertArrayEquals(new double[] {3}, got[1]);
      got[0] = null;
      HostReads.defer(a, v -> got[0] = v);
      HostReads.discard();
      HostReads.flush();
      assertNull(got[0], "a discarded value is never delivered");
    }
  }
}
