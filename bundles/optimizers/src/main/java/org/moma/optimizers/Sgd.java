package org.moma.optimizers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.nn.Tensors;
import org.moma.api.train.Optimizer;

/**
 * Stochastic gradient descent with momentum, as PyTorch's {@code SGD}: {@code d = g + λ·w},
 * {@code b ← μ·b + d} (the first step {@code b = d}), {@code w ← w − lr·b} (Nesterov: {@code
 * w ← w − lr·(d + μ·b)}). Weight decay is the coupled L2 form, on matrices only. Fused on the CPU,
 * libtorch's ops on a GPU.
 */
final class Sgd implements Optimizer {
  private final List<Parameter> parameters;
  private final double momentum;
  private final boolean nesterov;
  private final double weightDecay;
  private final List<NDArray> buffers = new ArrayList<>();
  private int steps;

  Sgd(List<Parameter> parameters, double momentum, boolean nesterov, double weightDecay) {
    this.parameters = List.copyOf(parameters);
    this.momentum = momentum;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
    for (Parameter p : parameters) {
      buffers.add(p.getArray().zerosLike());
    }
  }

  @Override
  public void step(double learningRate, NDArray rescale) {
    boolean first = steps == 0;
    steps++;
    try (NDManager scope = manager().newSubManager()) {
      FloatBuffer[] factorView = FusedPass.views(rescale);
      List<Runnable> tasks = new ArrayList<>();
      for (int i = 0; i < parameters.size(); i++) {
        NDArray weight = parameters.get(i).getArray();
        NDArray grad = weight.getGradient();
        grad.attach(scope);
        float decay = weightDecay > 0 && weight.getShape().dimension() >= 2 ? (float) weightDecay : 0f;
        NDArray b = buffers.get(i);
        FloatBuffer[] views = factorView == null ? null : FusedPass.views(weight, grad, b);
        if (views == null) {
          NDArray d = grad.mul(rescale.get(i)).add(weight.mul(Tensors.scalar(weight, decay)));
          d.attach(scope);
          b.muli(Tensors.scalar(b, first ? 0 : momentum)).addi(d);
          NDArray direction = nesterov ? d.add(b.mul(Tensors.scalar(b, momentum))) : b.duplicate();
          direction.attach(scope);
          weight.subi(direction.mul(Tensors.scalar(direction, learningRate)));
          grad.muli(0);
          continue;
        }
        float factor = factorView[0].get(i);
        float mu = (float) (first ? 0 : momentum);
        float rate = (float) learningRate;
        FusedPass.chunks(views[0].capacity(), (start, length) -> update(views, start, length, factor, decay, mu, rate), tasks);
      }
      FusedPass.run(tasks);
    }
  }

  private void update(FloatBuffer[] views, int start, int length, float rescale, float decay, float mu, float rate) {
    float[][] work = FusedPass.WORK.get();
    float[] w = work[0];
    float[] g = work[1];
    float[] b = work[2];
    views[0].get(start, w, 0, length);
    views[1].get(start, g, 0, length);
    views[2].get(start, b, 0, length);
    float nesterovMu = (float) momentum;
    for (int i = 0; i < length; i++) {
      float d = g[i] * rescale + decay * w[i];
      b[i] = mu * b[i] + d;
      w[i] -= rate * (nesterov ? d + nesterovMu * b[i] : b[i]);
    }
    java.util.Arrays.fill(g, 0, length, 0f);
    views[0].put(start, w, 0, length);
    views[1].put(start, g, 0, length);
    views[2].put(start, b, 0, length);
  }

  @Override
  public int steps() {
    return steps;
  }

  @Override
  public List<List<NDArray>> state() {
    return List.of(buffers);
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
