package org.moma.api.model;

import ai.djl.ndarray.NDArray;

/**
 * @param positions {@code [B, k]} int64 positions, ascending within each row
 * @param weights {@code [B, k]} router weights the layer's update is scaled by
 * @param scores {@code [B, T]} all router scores, for metrics and auxiliary routers
 */
public record DepthSelection(NDArray positions, NDArray weights, NDArray scores) {}
