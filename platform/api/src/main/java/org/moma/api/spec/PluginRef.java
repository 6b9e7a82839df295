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

  /**
   * A reference given as a plugin option ({@code {"name": …, "options": {…}}}); absent or null
   * means {@code defaultName} with default options.
   */
  public static PluginRef fromOption(JsonNode node, String defaultName) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return of(defaultName);
    }
    return new PluginRef(node.path("name").asText(defaultName), node.get("options"));
  }
}
