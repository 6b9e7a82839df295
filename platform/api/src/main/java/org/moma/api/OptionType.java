package org.moma.api;

import com.fasterxml.jackson.databind.JsonNode;

/** The JSON types a plugin option may take. */
public enum OptionType {
  INT("integer") {
    @Override
    boolean accepts(JsonNode node) {
      return node.canConvertToInt() && node.isIntegralNumber();
    }

    @Override
    Object read(JsonNode node) {
      return node.intValue();
    }
  },
  DOUBLE("number") {
    @Override
    boolean accepts(JsonNode node) {
      return node.isNumber();
    }

    @Override
    Object read(JsonNode node) {
      return node.doubleValue();
    }
  },
  BOOLEAN("boolean") {
    @Override
    boolean accepts(JsonNode node) {
      return node.isBoolean();
    }

    @Override
    Object read(JsonNode node) {
      return node.booleanValue();
    }
  },
  STRING("string") {
    @Override
    boolean accepts(JsonNode node) {
      return node.isTextual();
    }

    @Override
    Object read(JsonNode node) {
      return node.textValue();
    }
  },
  /** Any JSON value, handed to the plugin as a tree (for nested plugin references, lists). */
  JSON("JSON value") {
    @Override
    boolean accepts(JsonNode node) {
      return true;
    }

    @Override
    Object read(JsonNode node) {
      return node;
    }
  };

  private final String jsonName;

  OptionType(String jsonName) {
    this.jsonName = jsonName;
  }

  public String jsonName() {
    return jsonName;
  }

  abstract boolean accepts(JsonNode node);

  abstract Object read(JsonNode node);
}
