package org.moma.runtime.data;

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

  /** {@code [rows, seqLen + 1]} tokens and modality ids on the manager's device. */
  public NDArray[] toArrays(NDManager manager) {
    Shape shape = new Shape(rows, seqLen + 1);
    return new NDArray[] {manager.create(tokens, shape), manager.create(modality, shape)};
  }

  public static NDArray inputs(NDArray rows) {
    return rows.get(new NDIndex(":, :-1"));
  }

  public static NDArray targets(NDArray rows) {
    return rows.get(new NDIndex(":, 1:"));
  }
}
