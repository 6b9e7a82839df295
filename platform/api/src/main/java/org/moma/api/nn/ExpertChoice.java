package org.moma.api.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.model.Routing;

/**
 * Expert-choice selection (paper eq. 1): each expert takes the {@code k} tokens of the group with
 * the highest score for it. A token may be taken by zero, one or several experts.
 */
public final class ExpertChoice {
  private ExpertChoice() {}

  /** Tokens per expert: {@code round(capacity · n)}, at least 1 and at most n; capacity 0 means 1/E. */
  public static int capacity(long tokens, int experts, double capacity) {
    double c = capacity > 0 ? capacity : 1.0 / experts;
    return (int) Math.max(1, Math.min(tokens, Math.round(c * tokens)));
  }

  /**
   * @param scores {@code [n, E]} router probabilities (differentiable)
   * @return per expert the chosen token indices and their scores as gates
   */
  public static Routing select(NDArray scores, double capacity) {
    long n = scores.getShape().get(0);
    int experts = (int) scores.getShape().get(1);
    int k = capacity(n, experts, capacity);
    NDList top = scores.transpose().topK(k, -1, true, false); // values [E, k], indices [E, k]
    List<NDArray> indices = new ArrayList<>(experts);
    List<NDArray> gates = new ArrayList<>(experts);
    for (int e = 0; e < experts; e++) {
      gates.add(top.get(0).get(e));
      indices.add(top.get(1).get(e));
    }
    return new Routing(indices, gates, scores, null);
  }
}
