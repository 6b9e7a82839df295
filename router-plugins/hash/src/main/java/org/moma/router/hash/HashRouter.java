package org.moma.router.hash;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.moma.api.model.RouterBlock;
import org.moma.api.model.RouterInput;
import org.moma.api.model.Routing;

/**
 * Routes by token id alone. Ids are cut into blocks of {@code E} consecutive ids, and each block
 * is spread over the experts by its own pseudo-random rotation: the assignment is fixed, looks
 * random, and any aligned range of ids is shared exactly evenly (a codebook of image tokens as well
 * as the text ids). Each token passes one expert with gate 1; the router learns nothing.
 */
final class HashRouter extends RouterBlock {
  private final int experts;
  private final long seed;

  HashRouter(int experts, long seed) {
    this.experts = experts;
    this.seed = seed;
  }

  /** The expert of a token id. */
  int expertOf(long tokenId) {
    long block = Math.floorDiv(tokenId, experts);
    int rotation = (int) Math.floorMod(mix(block ^ (seed * 0x9E3779B97F4A7C15L)), experts);
    return (int) Math.floorMod(tokenId + rotation, experts);
  }

  /** SplitMix64's finaliser: a fixed bijection that scatters neighbouring blocks. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Override
  public Routing route(ParameterStore store, RouterInput input) {
    NDArray ids = input.tokens().tokenIds();
    long[] tokens = ids.toType(DataType.INT64, false).toLongArray();
    List<List<Long>> chosen = new ArrayList<>();
    for (int e = 0; e < experts; e++) {
      chosen.add(new ArrayList<>());
    }
    float[] scores = new float[tokens.length * experts];
    for (int t = 0; t < tokens.length; t++) {
      int e = expertOf(tokens[t]);
      chosen.get(e).add((long) t);
      scores[t * experts + e] = 1;
    }
    NDManager manager = input.hidden().getManager();
    DataType type = input.hidden().getDataType();
    List<NDArray> indices = new ArrayList<>(experts);
    List<NDArray> gates = new ArrayList<>(experts);
    for (List<Long> rows : chosen) {
      long[] index = rows.stream().mapToLong(Long::longValue).toArray();
      indices.add(manager.create(index).toDevice(input.hidden().getDevice(), false));
      gates.add(manager.ones(new Shape(index.length), type).toDevice(input.hidden().getDevice(), false));
    }
    NDArray all = manager.create(scores, new Shape(tokens.length, experts)).toType(type, false).toDevice(input.hidden().getDevice(), false);
    return new Routing(indices, gates, all, null);
  }

  /** A token's expert depends on its id alone. */
  @Override
  public boolean causal() {
    return true;
  }

  @Override
  public int experts() {
    return experts;
  }

  @Override
  public double flopsPerToken() {
    return 0;
  }

  @Override
  public double expertsPerToken() {
    return 1;
  }
}
