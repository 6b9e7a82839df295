package org.moma.api;

import java.util.Objects;

/**
 * One option a plugin understands: its name, JSON type, default (null = required) and a one-line
 * description that {@code moma list} prints.
 */
public record OptionSpec(String name, OptionType type, Object defaultValue, String description) {
  public OptionSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(description, "description");
  }

  public static OptionSpec integer(String name, int defaultValue, String description) {
    return new OptionSpec(name, OptionType.INT, defaultValue, description);
  }

  public static OptionSpec number(String name, double defaultValue, String description) {
    return new OptionSpec(name, OptionType.DOUBLE, defaultValue, description);
  }

  public static OptionSpec bool(String name, boolean defaultValue, String description) {
    return new OptionSpec(name, OptionType.BOOLEAN, defaultValue, description);
  }

  public static OptionSpec string(String name, String defaultValue, String description) {
    return new OptionSpec(name, OptionType.STRING, defaultValue, description);
  }

  public static OptionSpec json(String name, String description) {
    return new OptionSpec(name, OptionType.JSON, null, description);
  }

  public boolean required() {
    return defaultValue == null && type != OptionType.JSON;
  }

  /** How {@code moma list} shows it: {@code experts:integer=8  number of experts}. */
  public String describe() {
    String def = defaultValue == null ? (required() ? " (required)" : "") : "=" + defaultValue;
    return name + ":" + type.jsonName() + def + "  " + description;
  }
}
