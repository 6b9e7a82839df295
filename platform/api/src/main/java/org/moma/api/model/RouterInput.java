package org.moma.api.model;

import ai.djl.ndarray.NDArray;

/**
 * What a router sees for the {@code N} tokens of one group.
 *
 * @param hidden {@code [N, d]} hidden states
 * @param tokens token ids, positions, sequence indices and modality ids of the same tokens
 * @param modality the group's modality in a modality-aware layer (MoMa), or null when the group
 *     mixes modalities (moe_8x); per-token ids are then in {@code tokens.modality()}
 * @param training whether this is a training batch (noise, capacity rules)
 */
public record RouterInput(NDArray hidden, TokenContext tokens, Modality modality, boolean training) {
  /** Hidden states alone, with no token context (tests, callers outside the backbone). */
  public static RouterInput of(NDArray hidden, boolean training) {
    return new RouterInput(hidden, TokenContext.unknown(), null, training);
  }

  /** Number of tokens. */
  public long size() {
    return hidden.getShape().get(0);
  }
}
