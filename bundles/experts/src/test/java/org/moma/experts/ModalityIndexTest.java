package org.moma.experts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Each modality's token indices, ascending, from one read of counts and a sort: as a scan would find them. */
class ModalityIndexTest {
  @Test
  void splitGivesEachModalitysPositionsInOrder() {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(1);
      NDArray modality = m.randomInteger(0, 3, new Shape(4, 50), DataType.INT32); // ids 0, 1, 2; groups for 1 and 0 only
      int[] ids = modality.toIntArray();
      NDList split = ModalityIndex.split(modality, new int[] {1, 0, 5});
      assertArrayEquals(positions(ids, 1), split.get(0).toLongArray());
      assertArrayEquals(positions(ids, 0), split.get(1).toLongArray());
      assertArrayEquals(new long[0], split.get(2).toLongArray(), "an id no token has");
      assertSame(split.get(0), ModalityIndex.of(modality, 1), "computed once per modality array");
    }
  }

  @Test
  void indicesKnownOnTheHostAreUsedAndCarriedToAReshapedArray() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray modality = m.create(new int[] {0, 1, 1, 0}, new Shape(2, 2));
      // deliberately not the true positions: what is known is used, not recomputed
      ModalityIndex.know(modality, new int[] {0, 1}, new long[][] {{3}, {0, 1, 2}});
      NDArray flat = modality.reshape(-1);
      ModalityIndex.carry(modality, flat);
      assertArrayEquals(new long[] {0, 1, 2}, ModalityIndex.of(flat, 1).toLongArray());
      assertArrayEquals(new long[] {3}, ModalityIndex.split(flat, new int[] {0, 1}).get(0).toLongArray());
    }
  }

  private static long[] positions(int[] ids, int id) {
    return IntStream.range(0, ids.length).filter(i -> ids[i] == id).mapToLong(i -> i).toArray();
  }
}
