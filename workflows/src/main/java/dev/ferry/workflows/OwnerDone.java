package dev.ferry.workflows;

/**
 * What an owner's workflow reports to its parent {@link JobRunWorkflow} when it ends (a signal, so
 * the report reaches the parent's current execution after a continue-as-new).
 *
 * @param runId the owner's catalog run
 * @param state how it ended
 */
public record OwnerDone(long runId, JobState state) {}
