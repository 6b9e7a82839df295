package org.moma.optimizers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.train.Optimizer;

/**
 * An optimizer whose update is element-wise over each parameter, its gradient and its state
 * arrays. On the CPU the update is one fused pass over the tensors' own memory, in chunks on the
 * intra-op threads ({@link #fused}): optimizers are bound by memory traffic, and libtorch's ops,
 * each with its temporaries, move several times as many bytes. On a GPU there are no such views,
 * and the update is made of libtorch's ops ({@link #onDevice}).
 */
abstract class ElementwiseOptimizer implements Optimizer {
  /** Elements per task: a few hundred kB of each array, so a chunk's arrays stay in cache. */
  static final int CHUNK = 1 << 15;
  private static final ThreadLocal<float[][]> WORK = ThreadLocal.withInitial(() -> new float[4][CHUNK]);
  private static java.util.concurrent.ForkJoinPool pool;
  final List<Parameter> parameters;
  private final List<List<NDArray>> state = new ArrayList<>();
  private int steps;
  private boolean libtorchOps;

  /** @param groups state arrays per parameter (AdamW's two moments, a momentum buffer …), zeros at first */
  ElementwiseOptimizer(List<Parameter> parameters, int groups) {
    this.parameters = List.copyOf(parameters);
    for (int g = 0; g < groups; g++) {
      List<NDArray> group = new ArrayList<>();
      for (Parameter p : parameters) {
        group.add(p.getArray().zerosLike());
      }
      state.add(group);
    }
  }

  /** Updates with libtorch's ops, as on a GPU, on the CPU too: so that path is checked where no GPU is. */
  ElementwiseOptimizer usingLibtorchOps() {
    libtorchOps = true;
    return this;
  }

  /**
   * The update of elements {@code [0, length)} of the chunk: {@code w} weights, {@code g} the
   * gradient already multiplied by its factor, {@code s} the state arrays; the caller writes them
   * back and clears the gradient.
   *
   * @param t this update's number (1 for the first)
   * @param matrix whether the parameter is a matrix (weight decay applies to matrices only)
   */
  abstract void fused(float[] w, float[] g, float[][] s, int length, double learningRate, int t, boolean matrix);

  /** The same update with libtorch's ops, for tensors whose memory Java cannot see (a GPU); {@code grad} is already scaled. */
  abstract void onDevice(NDArray weight, NDArray grad, List<NDArray> s, double learningRate, int t, boolean matrix, NDManager scope);

  @Override
  public final void step(double learningRate, NDArray rescale) {
    int t = ++steps;
    // temporaries go into this scope: ops on parameter arrays attach their results to the parameters'
    // long-lived manager and would leak one array per step
    try (NDManager scope = manager().newSubManager()) {
      FloatBuffer[] factors = libtorchOps ? null : FusedPass.views(rescale);
      List<Runnable> tasks = new ArrayList<>();
      for (int i = 0; i < parameters.size(); i++) {
        NDArray weight = parameters.get(i).getArray();
        NDArray grad = weight.getGradient();
        grad.attach(scope);
        boolean matrix = weight.getShape().dimension() >= 2;
        List<NDArray> s = new ArrayList<>();
        for (List<NDArray> group : state) {
          s.add(group.get(i));
        }
        NDArray[] arrays = new NDArray[2 + s.size()];
        arrays[0] = weight;
        arrays[1] = grad;
        for (int k = 0; k < s.size(); k++) {
          arrays[2 + k] = s.get(k);
        }
        FloatBuffer[] views = factors == null ? null : FusedPass.views(arrays);
        if (views == null) {
          NDArray factor = rescale.get(i);
          factor.attach(scope);
          grad.muli(factor);
          onDevice(weight, grad, s, learningRate, t, matrix, scope);
          grad.muli(0);
          continue;
        }
        float factor = factors[0].get(i);
        int n = views[0].capacity();
        for (int from = 0; from < n; from += CHUNK) {
          int start = from;
          int length = Math.min(CHUNK, n - from);
          tasks.add(() -> chunk(views, start, length, factor, learningRate, t, matrix));
        }
      }
      run(tasks);
    }
  }

  private void chunk(FloatBuffer[] views, int start, int length, float factor, double learningRate, int t, boolean matrix) {
    float[][] work = WORK.get(); // reused: fresh arrays would mean zeroing as many bytes as the pass moves
    float[] w = work[0];
    float[] g = work[1];
    float[][] s = new float[views.length - 2][];
    views[0].get(start, w, 0, length);
    views[1].get(start, g, 0, length);
    for (int k = 0; k < s.length; k++) {
      s[k] = work[2 + k];
      views[2 + k].get(start, s[k], 0, length);
    }
    for (int i = 0; i < length; i++) {
      g[i] *= factor;
    }
    fused(w, g, s, length, learningRate, t, matrix);
    java.util.Arrays.fill(g, 0, length, 0f);
    views[0].put(start, w, 0, length);
    views[1].put(start, g, 0, length);
    for (int k = 0; k < s.length; k++) {
      views[2 + k].put(start, s[k], 0, length);
    }
  }

  /** Runs the tasks on as many workers as libtorch has intra-op threads. */
  private static synchronized void run(List<Runnable> tasks) {
    if (pool == null) {
      pool = new java.util.concurrent.ForkJoinPool(Math.max(1, Integer.getInteger("ai.djl.pytorch.num_threads", 1)));
    }
    pool.submit(() -> tasks.parallelStream().forEach(Runnable::run)).join();
  }

  @Override
  public final int steps() {
    return steps;
  }

  @Override
  public final List<List<NDArray>> state() {
    return state;
  }

  @Override
  public final void restore(int savedSteps, List<List<NDArray>> saved) {
    if (saved.size() != state.size()) {
      throw new IllegalArgumentException("the checkpoint holds " + saved.size() + " groups of optimizer state, this optimizer "
          + state.size());
    }
    for (int g = 0; g < state.size(); g++) {
      List<NDArray> from = saved.get(g);
      List<NDArray> to = state.get(g);
      if (from.size() != to.size()) {
        throw new IllegalArgumentException("the checkpoint holds optimizer state for " + from.size() + " parameters, the model has "
            + to.size());
      }
      for (int i = 0; i < to.size(); i++) {
        if (!from.get(i).getShape().equals(to.get(i).getShape())) {
          throw new IllegalArgumentException("optimizer state " + g + "/" + i + " is " + from.get(i).getShape() + " in the checkpoint, "
              + to.get(i).getShape() + " here");
        }
        to.get(i).set(from.get(i).toFloatArray());
      }
    }
    steps = savedSteps;
  }

  @Override
  public final NDManager manager() {
    return parameters.get(0).getArray().getManager();
  }
}
