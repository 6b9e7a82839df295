package org.moma.api.train;

import org.moma.api.MomaPlugin;
import org.moma.api.Options;

/** A plugin that builds a learning-rate schedule ({@code "training": {"schedule": {"name": …}}}). */
public interface SchedulePlugin extends MomaPlugin {
  Schedule create(ScheduleContext context, Options options);
}
