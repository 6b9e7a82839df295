package org.moma.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.moma.api.nn.Tensors;
import org.moma.api.model.Modality;

/**
 * Next-token cross-entropy, overall and per modality of the predicted token, ignoring padding;
 * plus the optional z-loss {@code zLoss · mean(logsumexp(logits)²)} that keeps logits bounded.
 */
public final class LanguageModelLoss {
  private LanguageModelLoss() {}

  /**
   * @param logits {@code [B, T, V]}
   * @param targets {@code [B, T]} int ids
   * @param targetModality {@code [B, T]} int modality ids of the targets
   * @return index 0: the objective (mean CE + z-loss); then the mean CE of each modality in
   *     {@code modalities} order (NaN when the batch has no such target)
   */
  public static Result compute(
      NDArray logits, NDArray targets, NDArray targetModality, int pad, double zLoss, List<Modality> modalities) {
    long vocab = logits.getShape().get(2);
    NDArray flat = logits.reshape(-1, vocab);
    NDArray maxLogit = flat.max(new int[] {-1}, true).stopGradient();
    NDArray logZ = flat.sub(maxLogit).exp().sum(new int[] {-1}).log().add(maxLogit.squeeze(-1));
    NDArray ids = targets.reshape(-1, 1).toType(DataType.INT64, false);
    NDArray picked = flat.gather(ids, 1).squeeze(-1);
    NDArray tokenLoss = logZ.sub(picked);
    NDArray valid = targets.reshape(-1).neq(pad).toType(DataType.FLOAT32, false);
    NDArray count = valid.sum().maximum(1f);
    NDArray mean = tokenLoss.mul(valid).sum().div(count);
    NDArray objective = mean;
    if (zLoss > 0) {
      objective = objective.add(Tensors.times(logZ.square().mul(valid).sum().div(count), zLoss));
    }
    NDArray modality = targetModality.reshape(-1);
    double[] perModality = new double[modalities.size()];
    for (int i = 0; i < modalities.size(); i++) {
      NDArray mask = modality.eq(modalities.get(i).id()).toType(DataType.FLOAT32, false).mul(valid);
      float n = mask.sum().getFloat();
      perModality[i] = n == 0 ? Double.NaN : tokenLoss.mul(mask).sum().getFloat() / n;
    }
    return new Result(objective, mean.getFloat(), perModality);
  }

  /**
   * @param objective the differentiable scalar to minimise
   * @param loss mean cross-entropy over all targets
   * @param perModality mean cross-entropy per modality (NaN if absent)
   */
  public record Result(NDArray objective, double loss, double[] perModality) {}
}
