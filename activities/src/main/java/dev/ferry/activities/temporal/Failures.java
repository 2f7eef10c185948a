package dev.ferry.activities.temporal;

import dev.ferry.activities.catalog.Database;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.workflows.MigrationActivities;
import io.temporal.failure.ApplicationFailure;

/** Turns the engine's exceptions into Temporal failures that say whether retrying can help. */
final class Failures {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Failures.class);

  /** Type of the failure of a scan or batch that Temporal tries again. */
  static final String TRANSIENT_TYPE = "FerryTransient";

  private Failures() {}

  /**
   * {@link #toFailure}, and when Temporal will try the activity again, a note on the run (its
   * message, shown by the API and the CLI, and a run-log line) saying what failed and that it is
   * retried, so a run against a store that does not answer is not silent while it waits. Best
   * effort: the catalog may be what failed.
   */
  static RuntimeException toFailure(
      RuntimeException e,
      dev.ferry.activities.catalog.RunCatalog catalog,
      long runId,
      String what) {
    RuntimeException f = toFailure(e);
    boolean retried = !(f instanceof ApplicationFailure af) || !af.isNonRetryable();
    if (retried) {
      // What Temporal keeps of the failure, and shows while it waits to retry (the Web UI, the
      // CLI's retry line), is the message: a full cause chain with stack traces goes over the
      // server's size limit for a pending activity's last failure ("Failure exceeds size limit").
      log.info("{} failed, Temporal retries it: {}", what, e.toString());
      log.debug("{} failed", what, e);
      ApplicationFailure concise = ApplicationFailure.newFailure(e.getMessage(), TRANSIENT_TYPE);
      concise.setStackTrace(new StackTraceElement[0]);
      f = concise;
      try {
        var info = io.temporal.activity.Activity.getExecutionContext().getInfo();
        int max = info.getRetryOptions() == null ? 0 : info.getRetryOptions().getMaximumAttempts();
        boolean last = max > 0 && info.getAttempt() >= max;
        String note =
            what
                + " failed (attempt "
                + info.getAttempt()
                + (max > 0 ? " of " + max : "")
                + "): "
                + e.getMessage()
                + (last ? "; that was the last attempt" : "; Temporal tries it again with backoff");
        catalog.noteRetry(runId, note);
      } catch (RuntimeException ignored) {
        // the catalog itself may be unreachable; Temporal still retries
      }
    }
    return f;
  }

  static RuntimeException toFailure(RuntimeException e) {
    if (e instanceof ApplicationFailure af) {
      return af;
    }
    if (e instanceof StorageException.AccessDenied) {
      return ApplicationFailure.newNonRetryableFailureWithCause(
          e.getMessage(), MigrationActivities.ACCESS_DENIED, e);
    }
    if (e instanceof StorageException.NotFound) {
      return ApplicationFailure.newNonRetryableFailureWithCause(
          e.getMessage(), MigrationActivities.NOT_FOUND, e);
    }
    if (e instanceof StorageException.Permanent || e instanceof IllegalArgumentException) {
      return ApplicationFailure.newNonRetryableFailureWithCause(
          e.getMessage(), MigrationActivities.CONFIG_ERROR, e);
    }
    if (e instanceof Database.Unreachable) {
      return ApplicationFailure.newFailureWithCause(e.getMessage(), "FerryDatabase", e);
    }
    return e;
  }
}
