package dev.ferry.workflows;

import java.util.List;

/**
 * The one input of {@link JobRunWorkflow}: which job run, how it runs, and the job-wide limits —
 * never a file list, never a secret. Owners are paged from the catalog through {@link
 * JobRunActivities#nextOwners}.
 *
 * @param jobId the job's id
 * @param jobRunId the job run's id in the catalog
 * @param mode what every owner's run does
 * @param limits the job-wide limits, shared among the owners running
 * @param maxParallel how many owners run at once (the sliding window), at least 1
 * @param schedule the project's bandwidth schedule, or null
 * @param dataTaskQueue the agent's task queue for the owners' storage activities, or null
 * @param retries retries of a failing scan or batch in each owner's run, or null for the default
 * @param carried what an earlier execution of this job run handed over, or null
 * @param summary the static summary of the owners' workflows (names the job, client, source and
 *     destination; names only, never settings), each adding its owner and the mode, or null
 * @param labels the job run's ids for search attributes ({@link FerryAttributes}; kind {@code
 *     job_run}), or null when the namespace lacks them: the owners get the same with their own id
 */
public record JobRunInput(
    String jobId,
    long jobRunId,
    RunMode mode,
    Limits limits,
    int maxParallel,
    BandwidthWindows schedule,
    String dataTaskQueue,
    Integer retries,
    Carried carried,
    String summary,
    Labels labels) {

  /** The window when a job does not say. */
  public static final int DEFAULT_MAX_PARALLEL = 8;

  /**
   * State handed from one execution of a job run to the next at continue-as-new.
   *
   * @param cursor the highest owner run id fetched from the catalog
   * @param pending owners fetched but not started yet
   * @param running owners whose workflows run (they report their end by signal)
   * @param share the limits last sent to the running owners
   * @param paused whether the run is paused
   * @param tally how the owners that ended so far ended
   * @param executions how many executions came before this one
   */
  public record Carried(
      long cursor,
      List<OwnerRef> pending,
      List<OwnerRef> running,
      Limits share,
      boolean paused,
      JobRunStatus tally,
      int executions) {}
}
