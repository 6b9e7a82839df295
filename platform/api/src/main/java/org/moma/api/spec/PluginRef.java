package org.moma.api.spec;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A plugin named in a spec: its registered name and the JSON object of options the plugin
 * validates itself.
 */
public record PluginRef(String name, JsonNode options) {
  public PluginRef {
    // "options": null and no options at all mean the same
    options = options == null || options.isNull() || options.isMissingNode() ? null : options;
  }

  public static PluginRef of(String name) {
    return new PluginRef(name, null);
  }
}
