package dev.ferry.activities.catalog;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * An agent: a worker process at a customer site serving the task queue {@link #taskQueue()}.
 *
 * @param clientId the client it belongs to, or null for an agent the operator shares
 * @param lastSeenAt its last heartbeat, or null when it never sent one
 * @param revokedAt when it was revoked (its tokens revoked, its secrets withdrawn), or null
 */
public record AgentRow(
    UUID id,
    UUID clientId,
    String name,
    String hostname,
    String version,
    Instant registeredAt,
    Instant lastSeenAt,
    Instant revokedAt) {
  /** An agent is Online when its last heartbeat is younger than this. */
  public static final Duration ONLINE_WINDOW = Duration.ofSeconds(30);

  public static String taskQueue(UUID agentId) {
    return "agent-" + agentId;
  }

  public String taskQueue() {
    return taskQueue(id);
  }

  public boolean online(Instant now) {
    return revokedAt == null && lastSeenAt != null && lastSeenAt.isAfter(now.minus(ONLINE_WINDOW));
  }
}
