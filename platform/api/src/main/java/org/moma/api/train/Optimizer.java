package org.moma.api.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Updates parameters from their accumulated gradients. Its state (moments, momentum buffers) is
 * a list of groups of arrays, one array per parameter in each group, saved and restored by the
 * checkpoints exactly, so a resumed run continues bit for bit.
 */
public interface Optimizer {
  /**
   * One update from the accumulated gradients, then clears them.
   *
   * @param learningRate this step's rate (from the run's schedule)
   * @param rescale float32 {@code [parameters]} on the parameters' device: the factor each
   *     parameter's gradient is multiplied by first (global-norm clipping and the division by the
   *     accumulation and loss scale, folded into one). It stays on the device: read it through
   *     {@link org.moma.api.nn.HostReads#view} on the CPU, multiply by it on a GPU.
   */
  void step(double learningRate, NDArray rescale);

  /** Updates applied so far (a bias correction's t). */
  int steps();

  /** The state to checkpoint: groups of arrays, each with one array per parameter. */
  List<List<NDArray>> state();

  /** Restores {@link #state()} and {@link #steps()} from a checkpoint (arrays of the same shapes, in the same order). */
  void restore(int steps, List<List<NDArray>> saved);

  /** The manager of the state, which checkpoints read arrays into. */
  NDManager manager();
}
