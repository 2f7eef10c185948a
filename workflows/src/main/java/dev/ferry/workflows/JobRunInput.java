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
 * @param rerunBackoffSeconds the wait before an owner's first automatic rerun (doubling for each
 *     next), or null for {@link #DEFAULT_RERUN_BACKOFF_SECONDS}
 * @param notifyWebhooks whether the run tells its client's webhooks how it ends ({@link
 *     NotifyActivities}, served by {@code ferry server}): true for the API's runs, null otherwise
 * @param maxReruns how many automatic reruns an owner that fails as a whole gets (0 to {@link
 *     JobRunWorkflowImpl#MAX_RERUNS}), or null for {@link JobRunWorkflowImpl#MAX_RERUNS}: a plain
 *     {@code ferry migrate} (one owner, the user at the terminal with {@code --retries}) has 0
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
    Labels labels,
    Integer rerunBackoffSeconds,
    Boolean notifyWebhooks,
    Integer maxReruns) {

  /** The window when a job does not say. */
  public static final int DEFAULT_MAX_PARALLEL = 8;

  /** The wait before an owner's first rerun: then 1, 2 and 4 minutes. */
  public static final int DEFAULT_RERUN_BACKOFF_SECONDS = 60;

  public JobRunInput(
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
      Labels labels,
      Integer rerunBackoffSeconds,
      Boolean notifyWebhooks) {
    this(
        jobId,
        jobRunId,
        mode,
        limits,
        maxParallel,
        schedule,
        dataTaskQueue,
        retries,
        carried,
        summary,
        labels,
        rerunBackoffSeconds,
        notifyWebhooks,
        null);
  }

  /** The automatic reruns in force. */
  public int maxRerunsOrDefault() {
    return maxReruns == null
        ? JobRunWorkflowImpl.MAX_RERUNS
        : Math.max(0, Math.min(JobRunWorkflowImpl.MAX_RERUNS, maxReruns));
  }

  public JobRunInput(
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
    this(
        jobId,
        jobRunId,
        mode,
        limits,
        maxParallel,
        schedule,
        dataTaskQueue,
        retries,
        carried,
        summary,
        labels,
        null,
        null);
  }

  public JobRunInput(
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
      Labels labels,
      Integer rerunBackoffSeconds) {
    this(
        jobId,
        jobRunId,
        mode,
        limits,
        maxParallel,
        schedule,
        dataTaskQueue,
        retries,
        carried,
        summary,
        labels,
        rerunBackoffSeconds,
        null);
  }

  /** The wait before an owner's {@code rerun}-th rerun (1, 2, 3): the base, doubled for each. */
  public java.time.Duration rerunBackoff(int rerun) {
    long base =
        rerunBackoffSeconds == null
            ? DEFAULT_RERUN_BACKOFF_SECONDS
            : Math.max(1, Math.min(3600, rerunBackoffSeconds));
    return java.time.Duration.ofSeconds(base << Math.max(0, Math.min(10, rerun - 1)));
  }

  /**
   * An owner that failed as a whole and waits for its rerun (a durable timer).
   *
   * @param owner the owner's next attempt
   * @param dueAtMillis when it starts (workflow time)
   */
  public record Waiting(OwnerRef owner, long dueAtMillis) {}

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
   * @param waiting owners waiting for their automatic rerun (recorded in the catalog already), or
   *     null for none
   */
  public record Carried(
      long cursor,
      List<OwnerRef> pending,
      List<OwnerRef> running,
      Limits share,
      boolean paused,
      JobRunStatus tally,
      int executions,
      List<Waiting> waiting) {
    public Carried(
        long cursor,
        List<OwnerRef> pending,
        List<OwnerRef> running,
        Limits share,
        boolean paused,
        JobRunStatus tally,
        int executions) {
      this(cursor, pending, running, share, paused, tally, executions, null);
    }
  }
}
