package dev.ferry.workflows;

/**
 * One owner of a job run, as the parent {@link JobRunWorkflow} needs it to start the owner's child
 * workflow: ids only (the owner's paths and the job's connections live in the catalog).
 *
 * @param ownerId the owner's id (its job id in the catalog)
 * @param runId the owner's catalog run within the job run
 */
public record OwnerRef(String ownerId, long runId) {}
