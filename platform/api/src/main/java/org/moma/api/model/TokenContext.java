package org.moma.api.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

/**
 * What the platform knows about each of the {@code N} flattened tokens a feed-forward block or a
 * router sees, besides its hidden state: the token id, its position in its sequence, its sequence
 * (row of the batch) and its modality id. All are {@code [N]} vectors (int64, modality int32).
 *
 * <p>A subset ({@link #rows}) gathers an array only when it is asked for, so routers that read
 * hidden states alone cost nothing extra. An array the caller did not have is reported by a clear
 * error when read.
 */
public final class TokenContext {
  private static final String[] NAMES = {"token ids", "positions", "sequence indices", "modality ids"};
  private final NDArray[] arrays;
  private final TokenContext parent;
  private final NDArray rows;

  private TokenContext(NDArray[] arrays, TokenContext parent, NDArray rows) {
    this.arrays = arrays;
    this.parent = parent;
    this.rows = rows;
  }

  /** Any argument may be null when the caller does not know it. */
  public static TokenContext of(NDArray tokenIds, NDArray positions, NDArray sequences, NDArray modality) {
    return new TokenContext(new NDArray[] {tokenIds, positions, sequences, modality}, null, null);
  }

  /** A context that knows nothing (unit tests, callers outside the backbone). */
  public static TokenContext unknown() {
    return of(null, null, null, null);
  }

  /**
   * The context of a feed-forward block's inputs, {@code NDList(x, modality, tokenIds, positions,
   * sequences)} (see {@link FeedForwardBlock}); entries a caller left out are unknown.
   */
  public static TokenContext fromInputs(NDList inputs) {
    return of(at(inputs, 2), at(inputs, 3), at(inputs, 4), at(inputs, 1));
  }

  private static NDArray at(NDList inputs, int i) {
    return inputs.size() > i ? inputs.get(i) : null;
  }

  /** The context of the tokens at {@code index} (int64 {@code [n]}) of this one, gathered on demand. */
  public TokenContext rows(NDArray index) {
    return new TokenContext(new NDArray[4], this, index);
  }

  /** Token ids {@code [N]} int64 (image tokens carry their codebook id offset into the vocabulary). */
  public NDArray tokenIds() {
    return get(0);
  }

  /** Positions of the tokens in their sequences {@code [N]} int64. */
  public NDArray positions() {
    return get(1);
  }

  /** The row of the batch each token belongs to {@code [N]} int64. */
  public NDArray sequences() {
    return get(2);
  }

  /** Modality ids {@code [N]} int32 ({@link Modality#id()}). */
  public NDArray modality() {
    return get(3);
  }

  /** Whether {@code what} (0 token ids, 1 positions, 2 sequences, 3 modality) is known. */
  public boolean knows(int what) {
    return parent != null ? parent.knows(what) : arrays[what] != null;
  }

  private NDArray get(int what) {
    if (arrays[what] == null && parent != null) {
      NDArray all = parent.get(what);
      arrays[what] = all.get(new NDIndex("{}", rows));
    }
    if (arrays[what] == null) {
      throw new IllegalStateException("the " + NAMES[what] + " of these tokens were not given to this block"
          + " (it was called outside the backbone, which passes them)");
    }
    return arrays[what];
  }
}
