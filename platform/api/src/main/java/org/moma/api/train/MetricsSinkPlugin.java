package org.moma.api.train;

import org.moma.api.MomaPlugin;
import org.moma.api.Options;

/**
 * A plugin that receives a run's metrics besides the run folder's own {@code metrics.jsonl}
 * (which resume relies on): the console's lines, a CSV file, a tracking service. A spec lists the
 * sinks it wants ({@code "training": {"sinks": [{"name": "csv"}]}}); without the field a run gets
 * the console. A sink that fails is reported once and dropped: training goes on.
 */
public interface MetricsSinkPlugin extends MomaPlugin {
  MetricsSink create(SinkContext context, Options options);
}
