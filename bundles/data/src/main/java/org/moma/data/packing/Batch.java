package org.moma.data.packing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * {@code rows} packed sequences of {@code seqLen + 1} tokens with their modality ids. Inputs are
 * the first {@code seqLen} tokens of a row, targets the last {@code seqLen}.
 */
public record Batch(int rows, int seqLen, int[] tokens, int[] modality) {
  /** Number of target tokens of a modality in this batch. */
  public int targetCount(int modalityId) {
    int count = 0;
    for (int r = 0; r < rows; r++) {
      for (int i = 1; i <= seqLen; i++) {
        if (modality[r * (seqLen + 1) + i] == modalityId) {
          count++;
        }
      }
    }
    return count;
  }

  /** Number of targets of a modality that are not {@code pad}: the denominator of its mean loss. */
  public long validTargets(int modalityId, int pad) {
    long count = 0;
    for (int r = 0; r < rows; r++) {
      for (int i = 1; i <= seqLen; i++) {
        int at = r * (seqLen + 1) + i;
        if (modality[at] == modalityId && tokens[at] != pad) {
          count++;
        }
      }
    }
    return count;
  }

  /**
   * Where the inputs of a modality are in the flattened {@code [rows · seqLen]} inputs, ascending:
   * known here without reading the device, so the layers' modality groups cost no sync (paper §3.3).
   */
  public long[] inputPositions(int modalityId) {
    int count = 0;
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < seqLen; i++) {
        count += modality[r * (seqLen + 1) + i] == modalityId ? 1 : 0;
      }
    }
    long[] positions = new long[count];
    int n = 0;
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < seqLen; i++) {
        if (modality[r * (seqLen + 1) + i] == modalityId) {
          positions[n++] = (long) r * seqLen + i;
        }
      }
    }
    return positions;
  }

  /** Number of targets that are not {@code pad}: the denominator of the batch's mean loss. */
  public long validTargets(int pad) {
    long count = 0;
    for (int r = 0; r < rows; r++) {
      for (int i = 1; i <= seqLen; i++) {
        if (tokens[r * (seqLen + 1) + i] != pad) {
          count++;
        }
      }
    }
    return count;
  }

  /** Rows {@code [from, to)}: a data-parallel rank's share of the global batch. */
  public Batch rows(int from, int to) {
    int width = seqLen + 1;
    return new Batch(to - from, seqLen, java.util.Arrays.copyOfRange(tokens, from * width, to * width),
        java.util.Arrays.copyOfRange(modality, from * width, to * width));
  }

  /** {@code [rows, seqLen + 1]} tokens and modality ids on the manager's device. */
  public NDArray[] toArrays(NDManager manager) {
    Shape shape = new Shape(rows, seqLen + 1);
    return new NDArray[] {owned(manager, tokens, shape), owned(manager, modality, shape)};
  }

  /**
   * A tensor that owns its memory. {@code create(int[])} wraps a direct buffer that is freed when
   * its Java array object is collected, which can happen while views of it are still in use by
   * autograd; a copy made by libtorch cannot be freed under our feet.
   */
  private static NDArray owned(NDManager manager, int[] data, Shape shape) {
    try (NDArray wrapped = manager.create(data, shape)) {
      return wrapped.duplicate();
    }
  }

  public static NDArray inputs(NDArray rows) {
    return rows.get(new NDIndex(":, :-1"));
  }

  public static NDArray targets(NDArray rows) {
    return rows.get(new NDIndex(":, 1:"));
  }
}
