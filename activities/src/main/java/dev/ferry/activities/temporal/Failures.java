package dev.ferry.activities.temporal;

import dev.ferry.activities.catalog.Database;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.workflows.MigrationActivities;
import io.temporal.failure.ApplicationFailure;

/** Turns the engine's exceptions into Temporal failures that say whether retrying can help. */
final class Failures {
  private Failures() {}

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
