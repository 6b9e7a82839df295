package org.moma.experts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.moma.api.nn.HostReads;

/**
 * The token indices of each modality in a batch, computed once and reused by every layer (paper
 * §3.3): the backbone passes the same modality array to all layers, and the indices are cached
 * for that array (per thread, the last few arrays).
 *
 * <p>They cost at most one host read per modality array, never one per modality or per layer: the
 * trainer {@linkplain #know knows} the batch's indices from its host copy of the batch (no read at
 * all), and for the tokens a mixture-of-depths layer selected, one read of the modalities' counts
 * sizes the groups while a sort on the device orders the tokens (no {@code nonzero}).
 */
public final class ModalityIndex {
  private static final int REMEMBERED = 8;
  private static final ThreadLocal<Deque<ModalityIndex>> RECENT = ThreadLocal.withInitial(ArrayDeque::new);
  private final NDArray modality;
  private final Map<Integer, NDArray> indices = new HashMap<>();

  private ModalityIndex(NDArray modality) {
    this.modality = modality;
  }

  /** Indices (int64 {@code [n_m]}, ascending) of the tokens whose modality id is {@code id}. */
  public static NDArray of(NDArray modality, int id) {
    return split(modality, new int[] {id}).head();
  }

  /** For each of {@code ids}, the indices (int64 {@code [n_m]}, ascending) of its tokens in {@code modality}. */
  public static NDList split(NDArray modality, int[] ids) {
    ModalityIndex entry = find(modality);
    if (entry == null || !entry.knowsAll(ids)) {
      entry = remember(modality);
      entry.compute(ids);
    }
    NDList out = new NDList();
    for (int id : ids) {
      out.add(entry.indices.get(id));
    }
    return out;
  }

  /**
   * Indices the caller knows without reading the device (the trainer, from its copy of the batch):
   * {@code positions[i]} are those of {@code ids[i]} in the flattened {@code modality}.
   */
  public static void know(NDArray modality, int[] ids, long[][] positions) {
    ModalityIndex entry = remember(modality);
    NDManager manager = modality.getManager();
    for (int i = 0; i < ids.length; i++) {
      entry.indices.put(ids[i], manager.create(positions[i]).toDevice(modality.getDevice(), false));
    }
  }

  /** {@code to} holds the same tokens as {@code from} in the same order (a reshape): it shares what is known of it. */
  public static void carry(NDArray from, NDArray to) {
    ModalityIndex known = find(from);
    if (known != null) {
      remember(to).indices.putAll(known.indices);
    }
  }

  private boolean knowsAll(int[] ids) {
    for (int id : ids) {
      if (!indices.containsKey(id)) {
        return false;
      }
    }
    return true;
  }

  /**
   * One read for all {@code ids}: each id's count and the number of tokens with a smaller id; the
   * tokens sorted by (id, position) on the device then give each id's indices as one slice.
   */
  private void compute(int[] ids) {
    NDArray flat = modality.reshape(-1).toType(DataType.INT64, false);
    long n = flat.size();
    NDList counts = new NDList();
    for (int id : ids) {
      counts.add(flat.eq(id).sum().toType(DataType.INT64, false));
      counts.add(flat.lt(id).sum().toType(DataType.INT64, false));
    }
    double[] read = HostReads.read(NDArrays.stack(counts));
    NDArray positions = flat.getManager().arange(0, n, 1, DataType.INT64).toDevice(flat.getDevice(), false);
    NDArray order = flat.mul(n).add(positions).argSort(0, true); // keys are distinct: the order is unique
    for (int i = 0; i < ids.length; i++) {
      long count = (long) read[2 * i];
      long start = (long) read[2 * i + 1];
      indices.put(ids[i], order.get(new NDIndex(start + ":" + (start + count))));
    }
  }

  private static ModalityIndex find(NDArray modality) {
    for (ModalityIndex entry : RECENT.get()) {
      if (entry.modality == modality) {
        return entry;
      }
    }
    return null;
  }

  private static ModalityIndex remember(NDArray modality) {
    Deque<ModalityIndex> recent = RECENT.get();
    ModalityIndex entry = find(modality);
    if (entry == null) {
      entry = new ModalityIndex(modality);
      recent.addFirst(entry);
      while (recent.size() > REMEMBERED) {
        recent.removeLast();
      }
    }
    return entry;
  }
}
