package org.moma.runtime.train;

import ai.djl.ndarray.NDArray;
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
   * them.
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
        NDArray g = p.getArray().getGradient();
        g.attach(scope);
        g = g.div(gradScale);
        grads.add(g);
        squared += g.square().sum().getFloat();
      }
      double norm = Math.sqrt(squared);
      if (!Double.isFinite(norm)) {
        for (Parameter p : parameters) {
          scoped(p.getArray().getGradient(), scope).muli(0);
        }
        return norm; // no update from a broken gradient
      }
      double scale = clip > 0 && norm > clip ? clip / norm : 1.0;
      double correction1 = 1 - Math.pow(beta1, steps);
      double correction2 = 1 - Math.pow(beta2, steps);
      for (int i = 0; i < parameters.size(); i++) {
        NDArray weight = parameters.get(i).getArray();
        NDArray g = grads.get(i).mul(scale);
        NDArray m = first.get(i).muli(beta1).addi(g.mul(1 - beta1));
        NDArray v = second.get(i).muli(beta2).addi(g.square().muli(1 - beta2));
        NDArray mHat = scoped(m.div(correction1), scope);
        NDArray denominator = scoped(v.div(correction2), scope).sqrt().addi(EPS);
        NDArray update = mHat.divi(denominator);
        if (weightDecay > 0 && weight.getShape().dimension() >= 2) {
          update.addi(scoped(weight.mul(weightDecay), scope));
        }
        // through a detached view: an in-place change of a leaf that requires gradients is refused
        // when autograd is on, and libtorch turns it on for every thread but the engine's own
        scoped(weight.stopGradient(), scope).subi(update.muli(learningRate));
        scoped(weight.getGradient(), scope).muli(0);
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
