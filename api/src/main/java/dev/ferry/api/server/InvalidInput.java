package dev.ferry.api.server;

import java.util.Map;
import java.util.TreeMap;

/**
 * A request that failed validation: one message per field (a dotted path such as {@code
 * options.concurrency} or {@code owners[2].sourcePath}, or {@code body} for the body as a whole).
 * Answered with 400 and nothing changed.
 */
final class InvalidInput extends RuntimeException {
  private final Map<String, String> fields;

  InvalidInput(Map<String, String> fields) {
    super("invalid request: " + fields);
    this.fields = new TreeMap<>(fields);
  }

  static InvalidInput of(String field, String message) {
    return new InvalidInput(Map.of(field, message));
  }

  Map<String, String> fields() {
    return fields;
  }
}
