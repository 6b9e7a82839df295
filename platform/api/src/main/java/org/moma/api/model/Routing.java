package org.moma.api.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A routing decision over the {@code N} tokens of one group.
 *
 * @param tokenIndices per expert, the int64 indices (into the group's tokens) it processes
 * @param gates per expert, the weight {@code [k]} its output is scaled by (differentiable)
 * @param scores the router's full score matrix {@code [N, E]}, for metrics and auxiliary routers
 * @param auxLoss a scalar added to the training loss (load balancing), or null
 */
public record Routing(
    List<NDArray> tokenIndices, List<NDArray> gates, NDArray scores, NDArray auxLoss) {

  /**
   * Checks a router's answer for {@code n} tokens and {@code experts} experts: one index list and
   * one gate vector per expert, indices in {@code [0, n)}, each gate vector as long as its indices,
   * scores {@code [n, experts]}. A violation is a {@link ContractViolation} naming {@code who}.
   */
  public void check(long n, int experts, String who) {
    if (tokenIndices == null || gates == null) {
      throw new ContractViolation(who, "returned no " + (tokenIndices == null ? "token indices" : "gates"));
    }
    if (tokenIndices.size() != experts || gates.size() != experts) {
      throw new ContractViolation(who, "returned " + tokenIndices.size() + " index lists and " + gates.size()
          + " gate vectors for " + experts + " experts");
    }
    for (int e = 0; e < experts; e++) {
      NDArray index = tokenIndices.get(e);
      NDArray gate = gates.get(e);
      if (index.getShape().dimension() != 1 || gate.getShape().dimension() != 1) {
        throw new ContractViolation(who, "expert " + e + ": indices " + index.getShape() + " and gates " + gate.getShape()
            + " must be vectors");
      }
      if (gate.size() != index.size()) {
        throw new ContractViolation(who, "expert " + e + ": " + gate.size() + " gates for " + index.size() + " tokens");
      }
      if (index.size() > 0) {
        long low = index.min().toType(ai.djl.ndarray.types.DataType.INT64, false).getLong();
        long high = index.max().toType(ai.djl.ndarray.types.DataType.INT64, false).getLong();
        if (low < 0 || high >= n) {
          throw new ContractViolation(who, "expert " + e + ": token index " + (low < 0 ? low : high) + " is outside [0, " + n + ")");
        }
      }
    }
    if (scores != null && !scores.getShape().equals(new ai.djl.ndarray.types.Shape(n, experts))) {
      throw new ContractViolation(who, "scores are " + scores.getShape() + ", not (" + n + ", " + experts + ")");
    }
  }

  /** A router's answer that breaks the contract above; the message names the router and its group. */
  public static final class ContractViolation extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public ContractViolation(String who, String what) {
      super(who + " broke the Routing contract: " + what);
    }
  }
}
