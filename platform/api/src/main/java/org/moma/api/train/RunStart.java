package org.moma.api.train;

import java.nio.file.Path;
import java.util.List;

/**
 * A run as it starts (or resumes).
 *
 * @param name the spec's name
 * @param folder the run folder
 * @param device where it trains
 * @param steps the steps of the whole run
 * @param firstStep the first step this process trains: 1, or the step after the checkpoint it resumed from
 * @param ranks data-parallel ranks
 * @param earlier on a resume, the metrics of the steps before {@code firstStep} as the run folder's
 *     {@code metrics.jsonl} holds them (the checkpoint's own step included, even when a kill came
 *     before its line was written), so a sink can rebuild what it wrote; empty on a fresh run
 */
public record RunStart(String name, Path folder, String device, int steps, int firstStep, int ranks, List<StepMetrics> earlier) {
  public RunStart {
    earlier = List.copyOf(earlier);
  }
}
