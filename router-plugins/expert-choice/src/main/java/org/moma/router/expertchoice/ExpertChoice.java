package org.moma.router.expertchoice;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.moma.api.OptionSpec;
import org.moma.api.Options;
import org.moma.api.SpecException;
import org.moma.api.model.Routing;

/**
 * Expert-choice selection (paper eq. 1): each expert takes the {@code k} tokens of the group with
 * the highest score for it. A token may be taken by zero, one or several experts.
 */
public final class ExpertChoice {
  /** The capacity option every expert-choice router declares. */
  public static final OptionSpec CAPACITY =
      OptionSpec.number("capacity", 0, "share of the group's tokens each expert takes; 0 = 1/experts");

  private ExpertChoice() {}

  /** The validated {@link #CAPACITY} option of a router's options. */
  public static double capacity(Options options) {
    double capacity = options.getDouble(CAPACITY.name());
    if (capacity < 0 || capacity > 1) {
      throw new SpecException(options.path() + "." + CAPACITY.name(), "must be in [0, 1], found " + capacity);
    }
    return capacity;
  }

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
    return Routing.equalCapacity(top.get(1), top.get(0), scores, null);
  }
}
