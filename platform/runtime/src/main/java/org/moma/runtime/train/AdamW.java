package org.moma.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW with decoupled weight decay (applied to matrices only, not to norm scales) and global
 * gradient-norm clipping. Its moments are plain arrays so checkpoints can store them.
 */
public final class AdamW {
  private static final float EPS = 1e-8f;
  private final List<Parameter> parameters;
  private final double beta1;
  private final double beta2;
  private final double weightDecay;
  private final double clip;
  private final List<NDArray> first = new ArrayList<>();
  private final List<NDArray> second = new ArrayList<>();
  private int steps;

  public AdamW(List<Parameter> parameters, double beta1, double beta2, double weightDecay, double clip) {
    this.parameters = List.copyOf(parameters);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.weightDecay = weightDecay;
    this.clip = clip;
    for (Parameter p : parameters) {
      first.add(p.getArray().zerosLike());
      second.add(p.getArray().zerosLike());
    }
  }

  /**
   * Applies one update from the accumulated gradients (divided by {@code gradScale}), then clears
   * them. The update itself is libtorch's fused in-place AdamW ({@code NDArrayEx.adamUpdate}: one
   * native call per parameter instead of some twenty allocating ops); the global-norm clipping and
   * the division by {@code gradScale} enter it as its gradient rescale factor.
   *
   * @return the global gradient norm before clipping; when it is not finite nothing is updated
   */
  public double step(double learningRate, double gradScale) {
    steps++;
    // every temporary is attached to this scope: ops on parameter arrays would otherwise attach
    // their results to the parameters' long-lived manager and leak one array per step
    try (NDManager scope = parameters.get(0).getArray().getManager().newSubManager()) {
      List<NDArray> grads = new ArrayList<>(parameters.size());
      double squared = 0;
      for (Parameter p : parameters) {
        NDArray g = scoped(p.getArray().getGradient(), scope);
        grads.add(g);
        double n = scoped(g.norm(), scope).getFloat(); // one pass over the gradient, no temporary
        squared += n * n;
      }
      double norm = Math.sqrt(squared) / gradScale;
      if (!Double.isFinite(norm)) {
        grads.forEach(g -> g.muli(0));
        return norm; // no update from a broken gradient
      }
      double clipScale = clip > 0 && norm > clip ? clip / norm : 1.0;
      float rescale = (float) (clipScale / gradScale);
      // bias corrections folded into the step size: lr·√(1−β2ᵗ)/(1−β1ᵗ), as libtorch's kernel expects
      float stepSize = (float) (learningRate * Math.sqrt(1 - Math.pow(beta2, steps)) / (1 - Math.pow(beta1, steps)));
      for (int i = 0; i < parameters.size(); i++) {
        NDArray weight = parameters.get(i).getArray();
        // decoupled weight decay on matrices only, not on norm scales
        float decay = weightDecay > 0 && weight.getShape().dimension() >= 2 ? (float) weightDecay : 0f;
        weight.getNDArrayInternal().adamUpdate(new NDList(weight, grads.get(i), first.get(i), second.get(i)), new NDList(weight),
            (float) learningRate, stepSize, decay, rescale, -1f, (float) beta1, (float) beta2, EPS, false, true);
        grads.get(i).muli(0);
      }
      return norm;
    }
  }

  private static NDArray scoped(NDArray array, NDManager scope) {
    array.attach(scope);
    return array;
  }

  public int steps() {
    return steps;
  }

  public List<NDArray> firstMoments() {
    return first;
  }

  public List<NDArray> secondMoments() {
    return second;
  }

  /** Restores state saved from {@link #firstMoments()}, {@link #secondMoments()}, {@link #steps()}. */
  public void restore(int savedSteps, List<NDArray> savedFirst, List<NDArray> savedSecond) {
    steps = savedSteps;
    for (int i = 0; i < parameters.size(); i++) {
      first.get(i).set(savedFirst.get(i).toFloatArray());
      second.get(i).set(savedSecond.get(i).toFloatArray());
    }
  }
}
