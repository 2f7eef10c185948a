package dev.ferry.api.cli;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * What a run is retrying, read from Temporal (the workflow's pending activities): a scan or a batch
 * that failed as a whole — a store that refuses connections, a worker that died — is tried again
 * with backoff, and the user should see what, why and when the next try comes instead of a silent
 * wait.
 */
final class Retries {
  private final WorkflowClient client;
  private final String workflowId;

  Retries(WorkflowClient client, String workflowId) {
    this.client = client;
    this.workflowId = workflowId;
  }

  /** A line about the retry in progress, or null when nothing is being retried. */
  String now() {
    try {
      var info =
          client
              .getWorkflowServiceStubs()
              .blockingStub()
              .withDeadlineAfter(2, java.util.concurrent.TimeUnit.SECONDS)
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(client.getOptions().getNamespace())
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                      .build());
      for (PendingActivityInfo a : info.getPendingActivitiesList()) {
        String line = describe(a, Instant.now());
        if (line != null) {
          return line;
        }
      }
      return null;
    } catch (RuntimeException e) {
      return null; // best effort: Temporal itself may be restarting
    }
  }

  /** The line for one pending activity, or null when it is on its first attempt. */
  static String describe(PendingActivityInfo a, Instant now) {
    if (a.getAttempt() <= 1 || !a.hasLastFailure()) {
      return null;
    }
    String what =
        switch (a.getActivityType().getName()) {
          case "Scan" -> "the scan";
          case "TransferBatch" -> "a transfer batch";
          case "Finish" -> "the finish";
          default -> a.getActivityType().getName();
        };
    String reason = a.getLastFailure().getMessage();
    String of = a.getMaximumAttempts() > 0 ? " of " + a.getMaximumAttempts() : "";
    if (a.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED
        && a.hasScheduledTime()) {
      Instant next =
          Instant.ofEpochSecond(a.getScheduledTime().getSeconds(), a.getScheduledTime().getNanos());
      long secs = Math.max(0, Duration.between(now, next).toSeconds());
      return String.format(
          Locale.ROOT,
          "Retrying %s: attempt %d%s in %d s; the last one failed: %s",
          what,
          a.getAttempt(),
          of,
          secs,
          reason);
    }
    return String.format(
        Locale.ROOT,
        "Retrying %s: attempt %d%s running; the last one failed: %s",
        what,
        a.getAttempt(),
        of,
        reason);
  }
}
