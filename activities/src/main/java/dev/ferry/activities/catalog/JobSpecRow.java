package dev.ferry.activities.catalog;

import java.time.Instant;
import java.util.UUID;

/**
 * A job of the API: where from and where to (connection + path), its options as JSON, and the agent
 * that moves its data (null: the server's own worker).
 *
 * @param clientId the client of the job's project (read-only, from the project)
 * @param options filters and transfer options as JSON text, as the API defines them
 * @param state the job's state: that of its latest run, {@code CREATED} before the first
 */
public record JobSpecRow(
    UUID id,
    UUID projectId,
    UUID clientId,
    String name,
    UUID sourceConnectionId,
    String sourcePath,
    UUID destConnectionId,
    String destPath,
    String options,
    UUID agentId,
    String state,
    Instant createdAt,
    Instant updatedAt) {

  public ConnectionLocation source() {
    return new ConnectionLocation(sourceConnectionId, sourcePath);
  }

  public ConnectionLocation dest() {
    return new ConnectionLocation(destConnectionId, destPath);
  }
}
