package org.moma.experts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.HashMap;
import java.util.Map;

/**
 * The token indices of each modality in a batch, computed once and reused by every layer (paper
 * §3.3): the backbone passes the same modality array to all layers, and the indices are cached
 * for that array (per thread, last batch only).
 */
public final class ModalityIndex {
  private static final ThreadLocal<ModalityIndex> LAST = new ThreadLocal<>();
  private final NDArray modality;
  private final Map<Integer, NDArray> indices = new HashMap<>();

  private ModalityIndex(NDArray modality) {
    this.modality = modality;
  }

  /** Indices (int64 {@code [n_m]}) of the tokens whose modality id is {@code id}. */
  public static NDArray of(NDArray modality, int id) {
    ModalityIndex last = LAST.get();
    if (last == null || last.modality != modality) {
      last = new ModalityIndex(modality);
      LAST.set(last);
    }
    return last.indices.computeIfAbsent(id,
        m -> modality.eq(m).nonzero().reshape(-1).toType(DataType.INT64, false));
  }
}
