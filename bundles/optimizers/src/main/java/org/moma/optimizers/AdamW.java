package org.moma.optimizers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.List;

/**
 * AdamW with decoupled weight decay (on matrices only, not on norm scales): on the CPU one fused
 * pass that reads and writes weight, gradient and both moments once (about a quarter of the bytes
 * libtorch's kernel of separate ops moves); on a GPU libtorch's in-place AdamW.
 */
final class AdamW extends ElementwiseOptimizer {
  private static final float EPS = 1e-8f;
  private final double beta1;
  private final double beta2;
  private final double weightDecay;

  AdamW(List<Parameter> parameters, double beta1, double beta2, double weightDecay) {
    super(parameters, 2); // first and second moments
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.weightDecay = weightDecay;
  }

  /** lr·√(1−β2ᵗ)/(1−β1ᵗ): the bias corrections folded into the step size. */
  private float stepSize(double learningRate, int t) {
    return (float) (learningRate * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t)));
  }

  @Override
  void fused(float[] w, float[] g, float[][] s, int length, double learningRate, int t, boolean matrix) {
    float[] m = s[0];
    float[] v = s[1];
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float c1 = 1 - b1;
    float c2 = 1 - b2;
    float stepSize = stepSize(learningRate, t);
    float decay = matrix ? (float) weightDecay : 0f; // as a float, as the update has always used it
    float decayFactor = (float) (1 - learningRate * decay);
    for (int i = 0; i < length; i++) {
      float mi = b1 * m[i] + c1 * g[i];
      float vi = b2 * v[i] + c2 * g[i] * g[i];
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i] * decayFactor - stepSize * mi / ((float) Math.sqrt(vi) + EPS);
    }
  }

  @Override
  void onDevice(NDArray weight, NDArray grad, List<NDArray> s, double learningRate, int t, boolean matrix, NDManager scope) {
    weight.getNDArrayInternal().adamUpdate(new NDList(weight, grad, s.get(0), s.get(1)), new NDList(weight), (float) learningRate,
        stepSize(learningRate, t), matrix ? (float) weightDecay : 0f, 1f, -1f, (float) beta1, (float) beta2, EPS, false, true);
  }
}
