package org.moma.runtime.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.moma.api.nn.HostReads;
import org.moma.api.nn.Tensors;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;

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
  private final boolean[] apart;
  private final List<NDArray> first = new ArrayList<>();
  private final List<NDArray> second = new ArrayList<>();
  private int steps;

  public AdamW(List<Parameter> parameters, double beta1, double beta2, double weightDecay, double clip) {
    this(parameters, beta1, beta2, weightDecay, clip, p -> false);
  }

  /**
   * @param clippedApart parameters whose gradients are clipped by their own global norm and left
   *     out of the one {@link #step} reports (auxiliary routers trained jointly: their gradients
   *     must not change how far the model's own gradients are clipped)
   */
  public AdamW(List<Parameter> parameters, double beta1, double beta2, double weightDecay, double clip,
      java.util.function.Predicate<Parameter> clippedApart) {
    this.parameters = List.copyOf(parameters);
    this.apart = new boolean[parameters.size()];
    for (int i = 0; i < apart.length; i++) {
      apart[i] = clippedApart.test(parameters.get(i));
    }
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
   * Applies one update from the accumulated gradients (divided by {@code gradScale}) and clears
   * them, reading the gradient norm once first: nothing is updated when it is not finite.
   *
   * @return the global gradient norm before clipping
   */
  public double step(double learningRate, double gradScale) {
    try (NDManager scope = parameters.get(0).getArray().getManager().newSubManager()) {
      NDArray norms = norms(scope, gradScale);
      double[] read = HostReads.read(norms);
      if (!Double.isFinite(read[0]) || !Double.isFinite(read[1])) {
        skip();
        return Double.isFinite(read[0]) ? read[1] : read[0]; // no update from a broken gradient
      }
      update(learningRate, gradScale, norms);
      return read[0];
    }
  }

  /**
   * The global norms of the accumulated gradients divided by {@code gradScale}, before clipping,
   * left on the device as float64 {@code [2]}: the model's parameters', then those clipped apart.
   * One norm per tensor, summed in float64 as the host would: nothing is read.
   */
  public NDArray norms(NDManager scope, double gradScale) {
    NDList[] groups = {new NDList(), new NDList()};
    for (int i = 0; i < parameters.size(); i++) {
      NDArray g = scoped(parameters.get(i).getArray().getGradient(), scope);
      groups[apart[i] ? 1 : 0].add(scoped(g.norm(), scope)); // one pass over the gradient, no temporary
    }
    NDList norms = new NDList();
    for (NDList group : groups) {
      norms.add(group.isEmpty()
          ? scope.zeros(new Shape(), DataType.FLOAT64).toDevice(device(), false)
          : NDArrays.stack(group).toType(DataType.FLOAT64, false).square().sum().sqrt());
    }
    return NDArrays.stack(norms).div(gradScale);
  }

  /**
   * Applies one update from the accumulated gradients and clears them. The clipping factor is
   * computed on the device from {@code norms} (see {@link #norms}), so a GPU is never waited for:
   * on the CPU the fused pass reads it from the tensor's own memory, on a GPU the gradients are
   * scaled by it in place. On the CPU the update is one fused pass over each tensor's own memory
   * (read weight, gradient and both moments; write them back, the gradient as zeros): AdamW is bound
   * by memory traffic, and libtorch's kernel, made of separate ops with temporaries, moves about
   * four times as many bytes. On a GPU it is libtorch's in-place AdamW ({@code NDArrayEx.adamUpdate}).
   */
  public void update(double learningRate, double gradScale, NDArray norms) {
    steps++;
    // every temporary is attached to this scope: ops on parameter arrays would otherwise attach
    // their results to the parameters' long-lived manager and leak one array per step
    try (NDManager scope = parameters.get(0).getArray().getManager().newSubManager()) {
      // global-norm clipping and the division by gradScale as one factor per group: min(1, clip/norm) / gradScale
      NDArray clipped = clip > 0 ? scoped(norms.onesLike(), scope).mul(clip).div(norms.maximum(clip)) : norms.onesLike();
      NDArray rescales = scoped(scoped(clipped, scope).div(gradScale).toType(DataType.FLOAT32, false), scope);
      FloatBuffer onHost = HostMemory.view(rescales);
      // bias corrections folded into the step size: lr·√(1−β2ᵗ)/(1−β1ᵗ)
      float stepSize = (float) (learningRate * Math.sqrt(1 - Math.pow(beta2, steps)) / (1 - Math.pow(beta1, steps)));
      List<Runnable> fused = new ArrayList<>();
      for (int i = 0; i < parameters.size(); i++) {
        NDArray weight = parameters.get(i).getArray();
        NDArray grad = scoped(weight.getGradient(), scope);
        // decoupled weight decay on matrices only, not on norm scales
        float decay = weightDecay > 0 && weight.getShape().dimension() >= 2 ? (float) weightDecay : 0f;
        FloatBuffer[] views = onHost == null ? null : views(weight, grad, first.get(i), second.get(i));
        if (views == null) {
          grad.muli(scoped(rescales.get(apart[i] ? 1 : 0), scope));
          weight.getNDArrayInternal().adamUpdate(new NDList(weight, grad, first.get(i), second.get(i)), new NDList(weight),
              (float) learningRate, stepSize, decay, 1f, -1f, (float) beta1, (float) beta2, EPS, false, true);
          grad.muli(0);
          continue;
        }
        float rescale = onHost.get(apart[i] ? 1 : 0);
        float decayFactor = (float) (1 - learningRate * decay);
        int n = views[0].capacity();
        for (int from = 0; from < n; from += CHUNK) {
          int start = from;
          int length = Math.min(CHUNK, n - from);
          fused.add(() -> update(views, start, length, rescale, decayFactor, stepSize));
        }
      }
      pool().submit(() -> fused.parallelStream().forEach(Runnable::run)).join();
    }
  }

  /** A step not taken (an fp16 overflow): the gradients are cleared, nothing is updated, the step count stays. */
  public void skip() {
    for (Parameter p : parameters) {
      Tensors.clearGradient(p.getArray());
    }
  }

  private ai.djl.Device device() {
    return parameters.get(0).getArray().getDevice();
  }

  /** Elements per task of the fused update: a few hundred kB of each array, so a chunk's four arrays stay in cache. */
  private static final int CHUNK = 1 << 15;
  private ForkJoinPool pool;

  /** As many workers as libtorch has intra-op threads, so the update uses the cores the process was given. */
  private ForkJoinPool pool() {
    if (pool == null) {
      pool = new ForkJoinPool(Math.max(1, Integer.getInteger("ai.djl.pytorch.num_threads", 1)));
    }
    return pool;
  }

  /** Views of the four tensors' own memory, or null when the engine gives copies (a GPU). */
  private static FloatBuffer[] views(NDArray... arrays) {
    FloatBuffer[] views = new FloatBuffer[arrays.length];
    for (int i = 0; i < arrays.length; i++) {
      views[i] = HostMemory.view(arrays[i]);
      if (views[i] == null) {
        return null;
      }
    }
    return views;
  }

  /** AdamW on elements [start, start + length) of weight, gradient, first and second moment; the gradient is cleared. */
  private void update(FloatBuffer[] views, int start, int length, float rescale, float decayFactor, float stepSize) {
    float[][] work = WORK.get(); // reused: fresh arrays would mean zeroing as many bytes as the update moves
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

  /** Each worker's chunk of weight, gradient and moments. */
  private static final ThreadLocal<float[][]> WORK = ThreadLocal.withInitial(() -> new float[4][CHUNK]);

  private static NDArray scoped(NDArray array, NDManager scope) {
    array.attach(scope);
    return array;
  }

  public List<Parameter> parameters() {
    return parameters;
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
