package org.moma.api.train;

/** Receives a run's start, every step's metrics, in order, and its end. */
public interface MetricsSink {
  /** Before the first step this process trains. */
  void start(RunStart run) throws Exception;

  void step(StepMetrics metrics) throws Exception;

  /** After the last step, or when the run stops with {@code failure} (null when it finished). */
  void end(StepMetrics last, Throwable failure) throws Exception;
}
