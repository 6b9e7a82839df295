package org.moma.registry;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.moma.api.MomaPlugin;
import org.moma.api.PluginKind;

/** A fixed set of plugin instances: for tests and embedding the runtime without a framework. */
public final class StaticPlugins implements Plugins {
  private final List<MomaPlugin> plugins;

  public StaticPlugins(MomaPlugin... plugins) {
    this.plugins = List.of(plugins);
  }

  @Override
  public List<MomaPlugin> all(PluginKind kind) {
    return plugins.stream()
        .filter(kind.serviceType()::isInstance)
        .sorted(Comparator.comparing(MomaPlugin::name))
        .collect(Collectors.toList());
  }

  @Override
  public String origin(MomaPlugin plugin) {
    return "static";
  }
}
