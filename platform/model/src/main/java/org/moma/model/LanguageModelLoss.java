package org.moma.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.moma.api.nn.Tensors;
import org.moma.api.model.Modality;

/**
 * Next-token cross-entropy, overall and per modality of the predicted token, ignoring padding;
 * plus the optional z-loss {@code zLoss · mean(logsumexp(logits)²)} that keeps logits bounded.
 *
 * <p>The objective is a sum over this batch's targets divided by {@code targets}, the number of
 * non-padding targets of the whole global batch: with data parallelism each rank holds some rows of
 * it, and the ranks' summed gradients are exactly those of the mean over the global batch.
 */
public final class LanguageModelLoss {
  private LanguageModelLoss() {}

  /**
   * @param logits {@code [B, T, V]}
   * @param targets {@code [B, T]} int ids
   * @param targetModality {@code [B, T]} int modality ids of the targets
   * @param globalTargets non-padding targets of the global batch these rows belong to
   */
  public static Result compute(NDArray logits, NDArray targets, NDArray targetModality, int pad, double zLoss,
      List<Modality> modalities, long globalTargets) {
    long vocab = logits.getShape().get(2);
    NDArray flat = logits.reshape(-1, vocab);
    NDArray maxLogit = flat.max(new int[] {-1}, true).stopGradient();
    NDArray logZ = flat.sub(maxLogit).exp().sum(new int[] {-1}).log().add(maxLogit.squeeze(-1));
    NDArray ids = targets.reshape(-1, 1).toType(DataType.INT64, false);
    NDArray picked = flat.gather(ids, 1).squeeze(-1);
    NDArray tokenLoss = logZ.sub(picked);
    NDArray valid = targets.reshape(-1).neq(pad).toType(DataType.FLOAT32, false);
    double inverse = 1.0 / Math.max(1, globalTargets);
    NDArray lossSum = tokenLoss.mul(valid).sum();
    NDArray objective = Tensors.times(lossSum, inverse);
    if (zLoss > 0) {
      objective = objective.add(Tensors.times(logZ.square().mul(valid).sum(), zLoss * inverse));
    }
    NDArray modality = targetModality.reshape(-1);
    NDList sums = new NDList(lossSum);
    for (Modality m : modalities) {
      sums.add(tokenLoss.mul(modality.eq(m.id()).toType(DataType.FLOAT32, false).mul(valid)).sum());
    }
    // left on the device: the step reads them with everything else it needs in one copy
    return new Result(objective, NDArrays.stack(sums), logZ, valid);
  }

  /**
   * @param objective the differentiable scalar to minimise
   * @param sums {@code [1 + M]} on the device: the cross-entropy summed over this batch's non-padding
   *     targets, then the same per modality (in the order of the modalities asked for)
   * @param logZ {@code [N]} log-sum-exp of each target's logits, for loss terms
   * @param valid {@code [N]} 1 for a real target, 0 for padding
   */
  public record Result(NDArray objective, NDArray sums, NDArray logZ, NDArray valid) {}
}
