package org.moma.api.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * A routing decision over the {@code N} tokens of one group: per expert, the int64 indices (into
 * the group's tokens) it processes and the weights {@code [k]} its output is scaled by
 * (differentiable); the router's full score matrix {@code [N, E]}, for metrics and auxiliary
 * routers; and a scalar added to the training loss (load balancing), or null.
 *
 * <p>Two forms. Per expert ({@link #Routing(List, List, NDArray, NDArray)}), for routers whose
 * experts take different numbers of tokens (token choice). Equal capacity
 * ({@link #equalCapacity}), for routers whose experts all take {@code k} tokens (expert choice):
 * indices and gates stay one {@code [E, k]} array each, so the experts run as one batched product
 * without splitting the router's top-k into rows and stacking them again (each split and stack is
 * an operation forward and backward, in every group of every layer).
 */
public final class Routing {
  private final NDArray indexMatrix;
  private final NDArray gateMatrix;
  private List<NDArray> tokenIndices;
  private List<NDArray> gates;
  private final NDArray scores;
  private final NDArray auxLoss;

  /**
   * @param tokenIndices per expert, the int64 indices (into the group's tokens) it processes
   * @param gates per expert, the weight {@code [k]} its output is scaled by (differentiable)
   * @param scores the router's full score matrix {@code [N, E]}
   * @param auxLoss a scalar added to the training loss, or null
   */
  public Routing(List<NDArray> tokenIndices, List<NDArray> gates, NDArray scores, NDArray auxLoss) {
    this(null, null, tokenIndices, gates, scores, auxLoss);
  }

  private Routing(NDArray indexMatrix, NDArray gateMatrix, List<NDArray> tokenIndices, List<NDArray> gates,
      NDArray scores, NDArray auxLoss) {
    this.indexMatrix = indexMatrix;
    this.gateMatrix = gateMatrix;
    this.tokenIndices = tokenIndices;
    this.gates = gates;
    this.scores = scores;
    this.auxLoss = auxLoss;
  }

  /**
   * Every expert takes the same number {@code k} of tokens.
   *
   * @param indices {@code [E, k]} int64: row {@code e} holds the tokens expert {@code e} processes
   * @param gates {@code [E, k]} their weights (differentiable)
   */
  public static Routing equalCapacity(NDArray indices, NDArray gates, NDArray scores, NDArray auxLoss) {
    return new Routing(indices, gates, null, null, scores, auxLoss);
  }

  /** Per expert, the token indices it processes (rows of the {@code [E, k]} form, split on first use). */
  public List<NDArray> tokenIndices() {
    if (tokenIndices == null && indexMatrix != null) {
      tokenIndices = rows(indexMatrix);
    }
    return tokenIndices;
  }

  /** Per expert, the weights of its tokens. */
  public List<NDArray> gates() {
    if (gates == null && gateMatrix != null) {
      gates = rows(gateMatrix);
    }
    return gates;
  }

  public NDArray scores() {
    return scores;
  }

  public NDArray auxLoss() {
    return auxLoss;
  }

  /**
   * The indices {@code [E, k]} when every expert takes the same number of tokens (stacked from the
   * per-expert form if need be), else null.
   */
  public NDArray indexMatrix() {
    if (indexMatrix != null) {
      return indexMatrix;
    }
    return equalCounts() ? NDArrays.stack(new NDList(tokenIndices)) : null;
  }

  /** The gates {@code [E, k]} when every expert takes the same number of tokens, else null. */
  public NDArray gateMatrix() {
    if (gateMatrix != null) {
      return gateMatrix;
    }
    return equalCounts() ? NDArrays.stack(new NDList(gates)) : null;
  }

  private boolean equalCounts() {
    long k = tokenIndices.get(0).size();
    return tokenIndices.stream().allMatch(i -> i.size() == k);
  }

  private static List<NDArray> rows(NDArray matrix) {
    List<NDArray> rows = new ArrayList<>((int) matrix.getShape().get(0));
    for (int e = 0; e < matrix.getShape().get(0); e++) {
      rows.add(matrix.get(e));
    }
    return rows;
  }

  /**
   * Checks a router's answer for {@code n} tokens and {@code experts} experts: one index list and
   * one gate vector per expert (or one {@code [E, k]} array of each), indices in {@code [0, n)},
   * each gate vector as long as its indices, scores {@code [n, experts]}. A violation is a
   * {@link ContractViolation} naming {@code who}.
   */
  public void check(long n, int experts, String who) {
    check(n, experts, who, true);
  }

  /**
   * {@link #check(long, int, String)}, reading the indices' range from the device only when
   * {@code ranges}: shapes are free to check, the range costs two host reads per group, so a
   * group checks it on its first forward and its shapes on every one.
   */
  public void check(long n, int experts, String who, boolean ranges) {
    if (indexMatrix != null || gateMatrix != null) {
      checkMatrices(n, experts, who, ranges);
    } else {
      checkLists(n, experts, who, ranges);
    }
    if (scores != null && !scores.getShape().equals(new Shape(n, experts))) {
      throw new ContractViolation(who, "scores are " + scores.getShape() + ", not (" + n + ", " + experts + ")");
    }
  }

  private void checkMatrices(long n, int experts, String who, boolean ranges) {
    if (indexMatrix == null || gateMatrix == null) {
      throw new ContractViolation(who, "returned no " + (indexMatrix == null ? "token indices" : "gates"));
    }
    Shape shape = indexMatrix.getShape();
    if (shape.dimension() != 2 || shape.get(0) != experts || !gateMatrix.getShape().equals(shape)) {
      throw new ContractViolation(who, "indices " + shape + " and gates " + gateMatrix.getShape() + " must both be ("
          + experts + ", k) for " + experts + " experts");
    }
    if (ranges) {
      checkRange(indexMatrix, n, "", who);
    }
  }

  private void checkLists(long n, int experts, String who, boolean ranges) {
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
      if (ranges) {
        checkRange(index, n, "expert " + e + ": ", who);
      }
    }
  }

  private static void checkRange(NDArray index, long n, String where, String who) {
    if (index.size() == 0) {
      return;
    }
    long low = index.min().toType(DataType.INT64, false).getLong();
    long high = index.max().toType(DataType.INT64, false).getLong();
    if (low < 0 || high >= n) {
      throw new ContractViolation(who, where + "token index " + (low < 0 ? low : high) + " is outside [0, " + n + ")");
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
