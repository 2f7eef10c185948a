package dev.ferry.workflows;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One run of a migration job (an owner's, as the child of a {@link JobRunWorkflow}, or the one run
 * of {@code ferry migrate}): scan, plan, transfer in batches, finish. Pause, resume and limit
 * changes arrive as Updates, each checked by a validator before it is accepted. Cancelling is
 * Temporal's own cancellation (the client's {@code WorkflowStub.cancel()}, the Temporal UI's Cancel
 * button): the run records what it copied and ends with Temporal status CANCELED. A run that fails
 * ends FAILED, its failure's type saying why ({@link MigrationActivities#CONFIG_ERROR} and the
 * others, else {@link #RUN_FAILED}); one that completed with failed files ends COMPLETED with the
 * state {@link JobState#COMPLETED_WITH_ERRORS}.
 */
@WorkflowInterface
public interface MigrationWorkflow {
  /** Task queue of workflows and catalog activities. */
  String TASK_QUEUE = "ferry";

  /** Failure type of a run that failed for a reason other than its configuration. */
  String RUN_FAILED = "FerryRunFailed";

  /** The workflow id of a run: one workflow per run, so two runs of a job cannot overlap. */
  static String workflowId(String jobId, long runId) {
    return "ferry-job-" + jobId + "-run-" + runId;
  }

  @WorkflowMethod
  Progress run(MigrationInput input);

  /** The run's figures as of the last finished batch. */
  @QueryMethod
  Progress progress();

  /** The limits in force. */
  @QueryMethod
  Limits limits();

  /** Stops starting new work; batches in flight stop within seconds, keeping what they copied. */
  @UpdateMethod
  Progress pause();

  @UpdateValidatorMethod(updateName = "pause")
  void validatePause();

  /** Continues a paused run. */
  @UpdateMethod
  Progress resume();

  @UpdateValidatorMethod(updateName = "resume")
  void validateResume();

  /** Changes concurrency and bandwidth of the running job; takes effect within seconds. */
  @UpdateMethod
  Limits setLimits(Limits limits);

  @UpdateValidatorMethod(updateName = "setLimits")
  void validateSetLimits(Limits limits);

  /** The parent {@link JobRunWorkflow} pauses the run (ignored once it has ended). */
  @SignalMethod
  void pauseFromJob();

  /** The parent {@link JobRunWorkflow} resumes the run (ignored once it has ended). */
  @SignalMethod
  void resumeFromJob();

  /** The parent {@link JobRunWorkflow} sends this owner's share of the job's limits. */
  @SignalMethod
  void limitsFromJob(Limits limits);

  /**
   * A batch in flight reports what it has done so far (every few seconds); figures of a batch that
   * is not in flight (it has just ended) are ignored.
   */
  @SignalMethod
  void batchProgress(BatchProgress progress);

  /**
   * A shard of this large owner reports what it has done so far (as its batches report theirs);
   * figures of a shard that has ended are ignored (its result counts).
   */
  @SignalMethod
  void shardProgress(ShardProgress progress);
}
