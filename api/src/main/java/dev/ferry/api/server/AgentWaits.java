package dev.ferry.api.server;

import dev.ferry.activities.catalog.AgentRow;
import dev.ferry.activities.catalog.JobRunRow;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

/**
 * Whether a run waits for its agent. A run's data activities (scan, transfer, finish) go to the
 * task queue it was started with ({@code job_runs.data_task_queue}, {@code agent-<id>} for a job
 * assigned to an agent). They have no schedule-to-start timeout, so while the agent is away they
 * wait on its queue — an attempt the agent had started fails by its heartbeat timeout and is
 * scheduled again, to wait likewise — and the run carries on when an agent process of that queue
 * polls again. This says so in the run's view instead of leaving a silent RUNNING.
 */
final class AgentWaits {
  private AgentWaits() {}

  static Views.Waiting of(Services s, JobRunRow r) {
    if (r.finishedAt() != null) {
      return null;
    }
    Optional<String> queue =
        s.jdbi.withHandle(
            h ->
                h.createQuery("select data_task_queue from job_runs where id = ?")
                    .bind(0, r.id())
                    .mapTo(String.class)
                    .findOne());
    if (queue.isEmpty() || queue.get() == null || !queue.get().startsWith("agent-")) {
      return null;
    }
    UUID agentId;
    try {
      agentId = UUID.fromString(queue.get().substring("agent-".length()));
    } catch (IllegalArgumentException e) {
      return null;
    }
    Optional<AgentRow> found = s.agents.find(agentId);
    if (found.isEmpty()) {
      return null;
    }
    AgentRow a = found.get();
    Instant now = Instant.now();
    if (a.online(now)) {
      return null;
    }
    if (a.revokedAt() != null) {
      return new Views.Waiting(
          a.id(),
          a.name(),
          "Revoked",
          a.revokedAt(),
          "waiting for agent '"
              + a.name()
              + "', revoked at "
              + a.revokedAt().truncatedTo(ChronoUnit.SECONDS)
              + ": nothing more moves; cancel this run, assign the job to another agent and"
              + " run it again");
    }
    String since =
        a.lastSeenAt() == null
            ? "which has not sent a heartbeat yet"
            : "offline since "
                + a.lastSeenAt().truncatedTo(ChronoUnit.SECONDS)
                + " (no heartbeat for "
                + Duration.between(a.lastSeenAt(), now).toSeconds()
                + " s)";
    return new Views.Waiting(
        a.id(),
        a.name(),
        "Offline",
        a.lastSeenAt(),
        "waiting for agent '"
            + a.name()
            + "', "
            + since
            + ": its files wait on its task queue, nothing has failed, and the run carries on"
            + " when the agent is back (ferry agent on its machine)");
  }
}
