package dev.ferry.workflows;

/**
 * What an owner's workflow reports to its parent {@link JobRunWorkflow} when it ends (a signal, so
 * the report reaches the parent's current execution after a continue-as-new).
 *
 * @param runId the owner's catalog run
 * @param state how it ended
 * @param reason why it failed (the run's message), or null
 * @param failureType the type of its failure ({@link MigrationActivities#CONFIG_ERROR} and the
 *     others a rerun cannot fix, else {@link MigrationWorkflow#RUN_FAILED} or the activity's), or
 *     null
 */
public record OwnerDone(long runId, JobState state, String reason, String failureType) {
  public OwnerDone(long runId, JobState state) {
    this(runId, state, null, null);
  }
}
