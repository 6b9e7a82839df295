package org.moma.training;

import java.nio.file.Path;

/** What a finished run leaves: its folder, last loss and the FLOPs accounting. */
public record RunResult(
    Path directory, String device, int steps, double finalLoss, double trainingFlopsPerToken, double tokensPerSecond) {}
