package org.moma.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.moma.api.MomaPlugin;
import org.moma.api.Options;
import org.moma.api.SpecException;

/**
 * Site-wide option defaults for plugins: {@code conf/plugins/NAME.json} of the distribution holds a
 * JSON object of options for plugin NAME. It is read at every use (no rebuild, no restart), checked
 * against the plugin's options (errors name the file), and a spec's own options override it.
 */
public final class PluginDefaults {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PluginDefaults() {}

  public static Path file(String pluginName) {
    return Path.of(System.getProperty("moma.home", "."), "conf", "plugins", pluginName + ".json");
  }

  /** The plugin's options: its conf defaults overlaid with {@code given} (from the spec at {@code path}). */
  public static Options options(MomaPlugin plugin, JsonNode given, String path) {
    Path file = file(plugin.name());
    if (!Files.isRegularFile(file)) {
      return plugin.parseOptions(given, path);
    }
    JsonNode defaults;
    try {
      defaults = JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw new SpecException("", file + ":" + e.getLocation().getLineNr() + ": not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new SpecException("", file + ": cannot read: " + e.getMessage());
    }
    if (defaults == null || !defaults.isObject()) {
      throw new SpecException("", file + ": expected a JSON object of options for plugin '" + plugin.name() + "'");
    }
    plugin.parseOptions(defaults, file.toString()); // errors name the file and the option
    ObjectNode merged = ((ObjectNode) defaults).deepCopy();
    if (given != null && given.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = given.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        merged.set(e.getKey(), e.getValue());
      }
    } else if (given != null && !given.isNull()) {
      return plugin.parseOptions(given, path); // not an object: let the plugin say so
    }
    return plugin.parseOptions(merged, path);
  }
}
