package dev.ferry.activities.catalog;

import java.time.Instant;
import java.util.UUID;

/**
 * An API token as the catalog keeps it (the token itself is never stored, only its SHA-256).
 *
 * @param clientId the one client it is scoped to, or null
 * @param agentId the agent it identifies, or null
 */
public record TokenRow(
    UUID id,
    String name,
    UUID clientId,
    UUID agentId,
    Instant createdAt,
    Instant lastUsedAt,
    Instant revokedAt) {
  /** An operator token: neither client-scoped nor an agent's. */
  public boolean operator() {
    return clientId == null && agentId == null;
  }
}
