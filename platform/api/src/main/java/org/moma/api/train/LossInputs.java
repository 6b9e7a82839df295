package org.moma.api.train;

import ai.djl.ndarray.NDArray;

/**
 * What a loss term may compute from: per target token of this rank's rows, in fp32.
 *
 * @param logZ {@code [N]} log-sum-exp of the logits
 * @param valid {@code [N]} 1 for a real target, 0 for padding
 * @param globalTargets real targets in the global batch: sums over tokens are divided by it, so
 *     the ranks' gradients add up to those of the global mean
 */
public record LossInputs(NDArray logZ, NDArray valid, long globalTargets) {}
