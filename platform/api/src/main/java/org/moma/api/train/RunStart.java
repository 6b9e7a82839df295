package org.moma.api.train;

import java.nio.file.Path;

/**
 * A run as it starts (or resumes).
 *
 * @param name the spec's name
 * @param folder the run folder
 * @param device where it trains
 * @param steps the steps of the whole run
 * @param firstStep the first step this process trains: 1, or the step after the checkpoint it resumed from
 * @param ranks data-parallel ranks
 */
public record RunStart(String name, Path folder, String device, int steps, int firstStep, int ranks) {}
