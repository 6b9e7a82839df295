package org.moma.training;

import java.util.ArrayList;
import java.util.List;
import org.moma.api.MomaPlugin;
import org.moma.optimizers.OptimizerPlugins;
import org.moma.registry.StaticPlugins;
import org.moma.schedules.SchedulePlugins;

/** The plugins a test names, plus the training loop's installed parts (optimizers, schedules), as in the platform. */
final class TestPlugins {
  private TestPlugins() {}

  static StaticPlugins of(MomaPlugin... plugins) {
    List<MomaPlugin> all = new ArrayList<>(List.of(plugins));
    all.addAll(List.of(new OptimizerPlugins.AdamWPlugin(), new OptimizerPlugins.LionPlugin(), new OptimizerPlugins.SgdPlugin(),
        new SchedulePlugins.WarmupLinear(), new SchedulePlugins.Cosine(), new SchedulePlugins.Constant(),
        new SchedulePlugins.WarmupStableDecay()));
    return new StaticPlugins(all.toArray(MomaPlugin[]::new));
  }
}
