package org.moma.api.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A routing decision over the {@code N} tokens of one group.
 *
 * @param tokenIndices per expert, the int64 indices (into the group's tokens) it processes
 * @param gates per expert, the weight {@code [k]} its output is scaled by (differentiable)
 * @param scores the router's full score matrix {@code [N, E]}, for metrics and auxiliary routers
 * @param auxLoss a scalar added to the training loss (load balancing), or null
 */
public record Routing(
    List<NDArray> tokenIndices, List<NDArray> gates, NDArray scores, NDArray auxLoss) {}
