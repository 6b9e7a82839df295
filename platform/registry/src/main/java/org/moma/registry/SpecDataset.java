package org.moma.registry;

import org.moma.api.Options;
import org.moma.api.PluginKind;
import org.moma.api.data.DatasetPlugin;
import org.moma.api.data.DocumentSource;
import org.moma.api.spec.ExperimentSpec;

/**
 * The dataset a spec names, looked up in the registry with its options validated (conf defaults
 * included), ready to open any split with the spec's seed.
 */
public record SpecDataset(DatasetPlugin plugin, Options options, long seed) {
  public static SpecDataset of(Plugins plugins, ExperimentSpec spec) {
    DatasetPlugin plugin = plugins.require(PluginKind.DATASET, DatasetPlugin.class, spec.data().name(), "data.name");
    return new SpecDataset(plugin, PluginDefaults.options(plugin, spec.data().options(), "data.options"), spec.seed());
  }

  public DocumentSource open(String split) {
    return plugin.open(split, seed, options);
  }
}
