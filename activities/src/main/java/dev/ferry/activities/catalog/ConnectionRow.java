package dev.ferry.activities.catalog;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A connection as the API may show it: never the secret, only whether one is stored.
 *
 * @param settings the kind's non-secret settings
 * @param hasSecret whether an encrypted secret is stored
 */
public record ConnectionRow(
    UUID id,
    UUID clientId,
    String name,
    String kind,
    Map<String, String> settings,
    boolean hasSecret,
    Instant createdAt,
    Instant updatedAt) {
  public ConnectionRow {
    settings = Map.copyOf(settings);
  }
}
