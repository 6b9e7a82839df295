package org.moma.console.internal;

import java.util.Map;

/** The content type of a file the console serves, by its extension (only the few it serves). */
final class MediaTypes {
  private static final Map<String, String> BY_EXTENSION = Map.of(
      "html", "text/html;charset=utf-8",
      "js", "text/javascript;charset=utf-8",
      "css", "text/css;charset=utf-8",
      "png", "image/png",
      "svg", "image/svg+xml",
      "json", "application/json;charset=utf-8");

  private MediaTypes() {}

  static String of(String file) {
    return BY_EXTENSION.getOrDefault(file.substring(file.lastIndexOf('.') + 1), "application/octet-stream");
  }
}
