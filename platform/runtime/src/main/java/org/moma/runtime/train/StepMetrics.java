package org.moma.runtime.train;

/** What one optimizer step reports; one JSON line of {@code metrics.jsonl}. */
public record StepMetrics(
    int step,
    int steps,
    double loss,
    double lossText,
    double lossImage,
    double learningRate,
    double gradNorm,
    long textTokens,
    long imageTokens,
    double tokensPerSecond,
    double cumulativeFlops,
    double elapsedSeconds) {}
