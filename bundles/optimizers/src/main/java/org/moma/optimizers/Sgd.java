package org.moma.optimizers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.List;
import org.moma.api.nn.Tensors;

/**
 * Stochastic gradient descent with momentum, as PyTorch's {@code SGD}: {@code d = g + λ·w},
 * {@code b ← μ·b + d} (the first step {@code b = d}), {@code w ← w − lr·b} (Nesterov: {@code
 * w ← w − lr·(d + μ·b)}). Weight decay is the coupled L2 form, on matrices only.
 */
final class Sgd extends ElementwiseOptimizer {
  private final double momentum;
  private final boolean nesterov;
  private final double weightDecay;

  Sgd(List<Parameter> parameters, double momentum, boolean nesterov, double weightDecay) {
    super(parameters, 1); // the momentum buffer
    this.momentum = momentum;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
  }

  @Override
  void fused(float[] w, float[] g, float[][] s, int length, double learningRate, int t, boolean matrix) {
    float[] b = s[0];
    float mu = t == 1 ? 0 : (float) momentum;
    float nesterovMu = (float) momentum;
    float decay = matrix ? (float) weightDecay : 0f;
    float rate = (float) learningRate;
    for (int i = 0; i < length; i++) {
      float d = g[i] + decay * w[i];
      b[i] = mu * b[i] + d;
      w[i] -= rate * (nesterov ? d + nesterovMu * b[i] : b[i]);
    }
  }

  @Override
  void onDevice(NDArray weight, NDArray grad, List<NDArray> s, double learningRate, int t, boolean matrix, NDManager scope) {
    NDArray b = s.get(0);
    NDArray d = grad.add(weight.mul(Tensors.scalar(weight, matrix ? weightDecay : 0)));
    d.attach(scope);
    b.muli(Tensors.scalar(b, t == 1 ? 0 : momentum)).addi(d);
    NDArray direction = nesterov ? d.add(b.mul(Tensors.scalar(b, momentum))) : b.duplicate();
    direction.attach(scope);
    weight.subi(direction.mul(Tensors.scalar(direction, learningRate)));
  }
}
