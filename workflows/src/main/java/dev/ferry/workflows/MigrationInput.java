package dev.ferry.workflows;

/**
 * The one input of {@link MigrationWorkflow}. It names the job and run (whose source, destination
 * and options live in PostgreSQL) and carries no file lists and no secrets.
 *
 * @param jobId the job's id
 * @param runId the run's id in the catalog
 * @param mode what the run does
 * @param limits the starting concurrency and bandwidth limits
 * @param carried what an earlier execution of this run handed over at continue-as-new, or null
 * @param dataTaskQueue the task queue of the activities that touch the storage (scan, transfer and
 *     the finish that may remove source folders) — an agent's {@code agent-<id>} — or null for the
 *     workflow's own queue
 * @param retries how many times a scan or a batch that fails as a whole (a store that does not
 *     answer, a worker that died) is tried again before the run gives up, or null for {@link
 *     #DEFAULT_RETRIES}
 * @param labels what the run belongs to, by id, for its search attributes ({@link
 *     FerryAttributes}), or null: then the workflow sets none (the namespace may not have them)
 * @param rerunsLeft for an owner of a {@link JobRunWorkflow} that reruns owners failing as a whole:
 *     how many reruns the parent still makes after this attempt; when more than 0 and the failure
 *     is one a rerun may fix, a failed run records its state without ending its catalog run (the
 *     parent records the rerun), so the job run is never seen ended in between. Null otherwise.
 * @param shard the shard of a large owner this run transfers (a child of the owner's workflow: no
 *     scan, only the shard's rows), or null for an owner's own run
 */
public record MigrationInput(
    String jobId,
    long runId,
    RunMode mode,
    Limits limits,
    Carried carried,
    String dataTaskQueue,
    Integer retries,
    Labels labels,
    Integer rerunsLeft,
    ShardRef shard) {

  /** Retries of a failing scan or batch: with backoff from 1 s to 30 s, about 2.5 minutes. */
  public static final int DEFAULT_RETRIES = 9;

  /** The most retries an input may ask for. */
  public static final int MAX_RETRIES = 100;

  public MigrationInput(
      String jobId,
      long runId,
      RunMode mode,
      Limits limits,
      Carried carried,
      String dataTaskQueue,
      Integer retries,
      Labels labels) {
    this(jobId, runId, mode, limits, carried, dataTaskQueue, retries, labels, null, null);
  }

  /** An owner's input (not a shard's). */
  public MigrationInput(
      String jobId,
      long runId,
      RunMode mode,
      Limits limits,
      Carried carried,
      String dataTaskQueue,
      Integer retries,
      Labels labels,
      Integer rerunsLeft) {
    this(jobId, runId, mode, limits, carried, dataTaskQueue, retries, labels, rerunsLeft, null);
  }

  /** An input whose activities all run on the workflow's own task queue. */
  public MigrationInput(String jobId, long runId, RunMode mode, Limits limits, Carried carried) {
    this(jobId, runId, mode, limits, carried, null, null, null, null, null);
  }

  public MigrationInput(
      String jobId,
      long runId,
      RunMode mode,
      Limits limits,
      Carried carried,
      String dataTaskQueue) {
    this(jobId, runId, mode, limits, carried, dataTaskQueue, null, null, null, null);
  }

  public MigrationInput(
      String jobId,
      long runId,
      RunMode mode,
      Limits limits,
      Carried carried,
      String dataTaskQueue,
      Integer retries) {
    this(jobId, runId, mode, limits, carried, dataTaskQueue, retries, null, null, null);
  }

  /** The retries in force. */
  public int retriesOrDefault() {
    return retries == null ? DEFAULT_RETRIES : Math.max(0, Math.min(MAX_RETRIES, retries));
  }

  /**
   * State handed from one execution of a run to the next.
   *
   * @param cursor highest manifest sequence number already handed to a batch
   * @param progress the counters so far
   * @param paused whether the run was paused
   * @param executions how many executions came before this one
   */
  public record Carried(long cursor, Progress progress, boolean paused, int executions) {}
}
