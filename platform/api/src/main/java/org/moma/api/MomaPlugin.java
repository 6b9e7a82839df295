package org.moma.api;

import java.util.List;

/**
 * What every plugin service has: the unique name a spec uses for it, a one-line description and the
 * options it accepts. Register the service with the property {@value #NAME_PROPERTY} equal to
 * {@link #name()} so that lookups can filter on it.
 */
public interface MomaPlugin {
  /** Service property holding the plugin's name. */
  String NAME_PROPERTY = "moma.name";

  String name();

  String description();

  List<OptionSpec> options();

  /** Validates a spec's options object for this plugin (errors name {@code path}). */
  default Options parseOptions(com.fasterxml.jackson.databind.JsonNode node, String path) {
    return Options.parse(node, options(), path);
  }
}
