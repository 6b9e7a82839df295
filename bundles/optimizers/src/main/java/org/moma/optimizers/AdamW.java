package org.moma.optimizers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.train.Optimizer;

/**
 * AdamW with decoupled weight decay (on matrices only, not on norm scales). On the CPU the update
 * is one fused pass over each tensor's own memory (read weight, gradient and both moments; write
 * them back, the gradient as zeros): about a quarter of the bytes libtorch's kernel of separate
 * ops moves. On a GPU it is libtorch's in-place AdamW ({@code NDArrayEx.adamUpdate}).
 */
final class AdamW implements Optimizer {
  private static final float EPS = 1e-8f;
  private final List<Parameter> parameters;
  private final double beta1;
  private final double beta2;
  private final double weightDecay;
  private final List<NDArray> first = new ArrayList<>();
  private final List<NDArray> second = new ArrayList<>();
  private int steps;

  AdamW(List<Parameter> parameters, double beta1, double beta2, double weightDecay) {
    this.parameters = List.copyOf(parameters);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.weightDecay = weightDecay;
    for (Parameter p : parameters) {
      first.add(p.getArray().zerosLike());
      second.add(p.getArray().zerosLike());
    }
  }

  @Override
  public void step(double learningRate, NDArray rescale) {
    steps++;
    // temporaries go into this scope: ops on parameter arrays attach their results to the parameters'
    // long-lived manager and would leak one array per step
    try (NDManager scope = manager().newSubManager()) {
      FloatBuffer factors = FusedPass.views(rescale) == null ? null : FusedPass.views(rescale)[0];
      // bias corrections folded into the step size: lr·√(1−β2ᵗ)/(1−β1ᵗ)
      float stepSize = (float) (learningRate * Math.sqrt(1 - Math.pow(beta2, steps)) / (1 - Math.pow(beta1, steps)));
      List<Runnable> tasks = new ArrayList<>();
      for (int i = 0; i < parameters.size(); i++) {
        NDArray weight = parameters.get(i).getArray();
        NDArray grad = weight.getGradient();
        grad.attach(scope);
        float decay = weightDecay > 0 && weight.getShape().dimension() >= 2 ? (float) weightDecay : 0f;
        FloatBuffer[] views = factors == null ? null : FusedPass.views(weight, grad, first.get(i), second.get(i));
        if (views == null) {
          NDArray factor = rescale.get(i);
          factor.attach(scope);
          grad.muli(factor);
          weight.getNDArrayInternal().adamUpdate(new NDList(weight, grad, first.get(i), second.get(i)), new NDList(weight),
              (float) learningRate, stepSize, decay, 1f, -1f, (float) beta1, (float) beta2, EPS, false, true);
          grad.muli(0);
          continue;
        }
        float factor = factors.get(i);
        float decayFactor = (float) (1 - learningRate * decay);
        FusedPass.chunks(views[0].capacity(), (start, length) -> update(views, start, length, factor, decayFactor, stepSize), tasks);
      }
      FusedPass.run(tasks);
    }
  }

  /** AdamW on elements [start, start + length) of weight, gradient, first and second moment; the gradient is cleared. */
  private void update(FloatBuffer[] views, int start, int length, float rescale, float decayFactor, float stepSize) {
    float[][] work = FusedPass.WORK.get();
    float[] w = work[0];
    float[] g = work[1];
    float[] m = work[2];
    float[] v = work[3];
    views[0].get(start, w, 0, length);
    views[1].get(start, g, 0, length);
    views[2].get(start, m, 0, length);
    views[3].get(start, v, 0, length);
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float c1 = 1 - b1;
    float c2 = 1 - b2;
    for (int i = 0; i < length; i++) {
      float grad = g[i] * rescale;
      float mi = b1 * m[i] + c1 * grad;
      float vi = b2 * v[i] + c2 * grad * grad;
      m[i] = mi;
      v[i] = vi;
      w[i] = w[i] * decayFactor - stepSize * mi / ((float) Math.sqrt(vi) + EPS);
    }
    java.util.Arrays.fill(g, 0, length, 0f);
    views[0].put(start, w, 0, length);
    views[1].put(start, g, 0, length);
    views[2].put(start, m, 0, length);
    views[3].put(start, v, 0, length);
  }

  @Override
  public int steps() {
    return steps;
  }

  @Override
  public List<List<NDArray>> state() {
    return List.of(first, second);
  }

  @Override
  public void restore(int savedSteps, List<List<NDArray>> saved) {
    steps = savedSteps;
    Moments.copy(saved, state());
  }

  @Override
  public NDManager manager() {
    return parameters.get(0).getArray().getManager();
  }
}
