package dev.ferry.workflows;

/**
 * One owner of a job run, as the parent {@link JobRunWorkflow} needs it to start the owner's child
 * workflow: ids only (the owner's paths and the job's connections live in the catalog).
 *
 * @param ownerId the owner's id (its job id in the catalog)
 * @param runId the owner's catalog run within the job run
 * @param name the owner's name for its workflow's static summary, or null for the implicit owner
 *     (the whole source) of a job that lists none
 * @param rerun 0 for the owner's first attempt, 1 to {@link JobRunWorkflowImpl#MAX_RERUNS} for its
 *     automatic reruns after it failed as a whole (each its own workflow id)
 */
public record OwnerRef(String ownerId, long runId, String name, int rerun) {
  public OwnerRef(String ownerId, long runId, String name) {
    this(ownerId, runId, name, 0);
  }

  public OwnerRef(String ownerId, long runId) {
    this(ownerId, runId, null, 0);
  }

  /** The same owner's next attempt. */
  public OwnerRef again() {
    return new OwnerRef(ownerId, runId, name, rerun + 1);
  }
}
