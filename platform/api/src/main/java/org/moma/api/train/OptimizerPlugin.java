package org.moma.api.train;

import org.moma.api.MomaPlugin;
import org.moma.api.Options;

/**
 * A plugin that builds the optimizer of a run ({@code "training": {"optimizer": {"name": …}}}).
 * The trainer owns everything around the update: it sums the gradients over ranks, clips them by
 * their global norm (on the device), skips an fp16 step whose gradients overflowed, and saves the
 * optimizer's {@linkplain Optimizer#state state} in checkpoints.
 */
public interface OptimizerPlugin extends MomaPlugin {
  Optimizer create(OptimizerContext context, Options options);
}
