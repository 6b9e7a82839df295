package org.moma.optimizers;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** Restoring an optimizer's state arrays from a checkpoint's. */
final class Moments {
  private Moments() {}

  /** Copies each saved array into the state array at its place; the shapes must agree. */
  static void copy(List<List<NDArray>> saved, List<List<NDArray>> state) {
    if (saved.size() != state.size()) {
      throw new IllegalArgumentException("the checkpoint holds " + saved.size() + " groups of optimizer state, this optimizer "
          + state.size());
    }
    for (int g = 0; g < state.size(); g++) {
      List<NDArray> from = saved.get(g);
      List<NDArray> to = state.get(g);
      if (from.size() != to.size()) {
        throw new IllegalArgumentException("the checkpoint holds optimizer state for " + from.size() + " parameters, the model has "
            + to.size());
      }
      for (int i = 0; i < to.size(); i++) {
        if (!from.get(i).getShape().equals(to.get(i).getShape())) {
          throw new IllegalArgumentException("optimizer state " + g + "/" + i + " is " + from.get(i).getShape() + " in the checkpoint, "
              + to.get(i).getShape() + " here");
        }
        to.get(i).set(from.get(i).toFloatArray());
      }
    }
  }
}
