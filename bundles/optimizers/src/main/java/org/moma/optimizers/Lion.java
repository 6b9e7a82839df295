package org.moma.optimizers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.List;
import org.moma.api.nn.Tensors;

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"): the update is the sign
 * of an interpolation of momentum and gradient, {@code w ← w·(1 − lr·λ) − lr·sign(β1·m + (1−β1)·g)},
 * then {@code m ← β2·m + (1−β2)·g}; one state array per parameter instead of AdamW's two. Use a
 * learning rate 3–10× smaller than AdamW's.
 */
final class Lion extends ElementwiseOptimizer {
  private final double beta1;
  private final double beta2;
  private final double weightDecay;

  Lion(List<Parameter> parameters, double beta1, double beta2, double weightDecay) {
    super(parameters, 1); // momentum
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.weightDecay = weightDecay;
  }

  @Override
  void fused(float[] w, float[] g, float[][] s, int length, double learningRate, int t, boolean matrix) {
    float[] m = s[0];
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float rate = (float) learningRate;
    float decay = (float) (1 - learningRate * (matrix ? weightDecay : 0));
    for (int i = 0; i < length; i++) {
      float c = b1 * m[i] + (1 - b1) * g[i];
      w[i] = w[i] * decay - rate * Math.signum(c);
      m[i] = b2 * m[i] + (1 - b2) * g[i];
    }
  }

  @Override
  void onDevice(NDArray weight, NDArray grad, List<NDArray> s, double learningRate, int t, boolean matrix, NDManager scope) {
    NDArray m = s.get(0);
    NDArray direction = m.mul(Tensors.scalar(m, beta1)).add(grad.mul(Tensors.scalar(grad, 1 - beta1))).sign();
    direction.attach(scope);
    weight.muli(Tensors.scalar(weight, 1 - learningRate * (matrix ? weightDecay : 0)))
        .subi(direction.mul(Tensors.scalar(direction, learningRate)));
    m.muli(Tensors.scalar(m, beta2)).addi(grad.mul(Tensors.scalar(grad, 1 - beta2)));
  }
}
