package org.moma.api.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.moma.api.model.ModelDims;

/** A trained model as evaluators see it: next-token logits for a batch of sequences. */
public interface LanguageModel {
  ModelDims dims();

  /**
   * @param tokens {@code [B, T]} int32 ids
   * @param modalities {@code [B, T]} int32 modality ids
   * @return {@code [B, T, V]} logits of the next token at every position
   */
  NDArray logits(NDManager manager, NDArray tokens, NDArray modalities);

  /** Whether routing decisions depend only on each token and its past (auxiliary routers in use). */
  default boolean causal() {
    return true;
  }

  /**
   * Flips a share {@code sigma} of the routing decisions at random (paper §4.6): the auxiliary
   * routers' when they are in use, else the batch top-k selections of the training routers (expert
   * groups and mixture-of-depths layers); 0 turns it off.
   */
  default void setRoutingNoise(double sigma) {}

  /** Whether the model has auxiliary routers (trained by {@code moma train-aux} or jointly). */
  default boolean hasAuxiliaryRouters() {
    return false;
  }

  /**
   * Routes through the auxiliary routers (causal; the default when they exist) or, with false, by
   * batch top-k as in training, so an evaluator can compare the two.
   */
  default void useAuxiliaryRouters(boolean on) {}

  /**
   * Runs the sequences with batch top-k routing and compares each auxiliary router's decisions
   * with the selections it imitates. Adds per router ({@code layer1.image}, {@code layer0.depth})
   * the counts {true positives, false positives, false negatives, true negatives} into
   * {@code counts}; adds nothing without auxiliary routers.
   */
  default void countAuxiliaryAgreement(NDManager manager, NDArray tokens, NDArray modalities,
      java.util.Map<String, long[]> counts) {}

  /** Per-layer routing observations of the last {@link #logits} call (empty for dense models). */
  default java.util.List<RoutingStats> lastRouting() {
    return java.util.List.of();
  }
}
