package org.moma.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A plugin's options after validation against its {@link OptionSpec}s: every declared option has a
 * value (given or default), nothing undeclared got through, every value has its declared type.
 */
public final class Options {
  private final String path;
  private final Map<String, Object> values;
  private final java.util.Set<String> given;

  private Options(String path, Map<String, Object> values, java.util.Set<String> given) {
    this.path = path;
    this.values = Collections.unmodifiableMap(values);
    this.given = java.util.Set.copyOf(given);
  }

  /**
   * Validates {@code node} (a JSON object, or null/missing for "all defaults").
   *
   * @param path the JSON path of {@code node} in the spec, used in every error message
   * @throws SpecException naming the offending field for unknown, missing or ill-typed options
   */
  public static Options parse(JsonNode node, List<OptionSpec> specs, String path) {
    Map<String, OptionSpec> byName = new LinkedHashMap<>();
    specs.forEach(s -> byName.put(s.name(), s));
    Map<String, Object> values = new LinkedHashMap<>();
    java.util.Set<String> given = new java.util.HashSet<>();
    if (node != null && !node.isNull() && !node.isMissingNode()) {
      if (!node.isObject()) {
        throw new SpecException(path, "expected a JSON object of options, found " + node.getNodeType());
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        OptionSpec spec = byName.get(field.getKey());
        String fieldPath = path + "." + field.getKey();
        if (spec == null) {
          String known = byName.isEmpty() ? "none" : String.join(", ", byName.keySet());
          throw new SpecException(fieldPath, "unknown option (known options: " + known + ")");
        }
        if (!spec.type().accepts(field.getValue())) {
          throw new SpecException(
              fieldPath,
              "expected " + spec.type().jsonName() + ", found " + field.getValue().toString());
        }
        values.put(spec.name(), spec.type().read(field.getValue()));
        given.add(spec.name());
      }
    }
    for (OptionSpec spec : specs) {
      if (!values.containsKey(spec.name())) {
        if (spec.required()) {
          throw new SpecException(path + "." + spec.name(), "required option is missing");
        }
        values.put(spec.name(), spec.defaultValue());
      }
    }
    return new Options(path, values, given);
  }

  /** All defaults: what a plugin gets when the spec gives no options. */
  public static Options defaults(List<OptionSpec> specs) {
    return parse(null, specs, "options");
  }

  /** Whether the spec (or the site's defaults) gave this option, rather than the plugin's default. */
  public boolean given(String name) {
    return given.contains(name);
  }

  public String path() {
    return path;
  }

  public int getInt(String name) {
    return ((Number) get(name)).intValue();
  }

  public double getDouble(String name) {
    return ((Number) get(name)).doubleValue();
  }

  public boolean getBoolean(String name) {
    return (Boolean) get(name);
  }

  public String getString(String name) {
    return (String) get(name);
  }

  public JsonNode getJson(String name) {
    return (JsonNode) get(name);
  }

  /** A positive integer option, or a {@link SpecException} naming it. */
  public int getPositiveInt(String name) {
    int value = getInt(name);
    if (value <= 0) {
      throw new SpecException(path + "." + name, "must be positive, found " + value);
    }
    return value;
  }

  /** A number in (0, 1], or a {@link SpecException} naming it. */
  public double getFraction(String name) {
    double value = getDouble(name);
    if (!(value > 0 && value <= 1)) {
      throw new SpecException(path + "." + name, "must be in (0, 1], found " + value);
    }
    return value;
  }

  private Object get(String name) {
    if (!values.containsKey(name)) {
      throw new IllegalArgumentException("option '" + name + "' was not declared by the plugin");
    }
    return values.get(name);
  }

  public Map<String, Object> asMap() {
    return values;
  }

  @Override
  public String toString() {
    return values.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", ", "{", "}"));
  }
}
