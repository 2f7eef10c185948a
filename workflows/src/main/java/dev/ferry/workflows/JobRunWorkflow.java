package dev.ferry.workflows;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One run of a job (dry run, full or incremental): the parent of its owners' {@link
 * MigrationWorkflow}s, which it starts as child workflows through a sliding window of at most
 * {@link JobRunInput#maxParallel()} at once. It holds the job-wide limits and shares them among the
 * owners running. Pause, resume and new limits are validated Updates that reach every running owner
 * by signal; owners not started yet follow them. Cancelling is Temporal's cancellation of this
 * workflow: it cancels its running owners, ends the others as cancelled, and ends CANCELED.
 */
@WorkflowInterface
public interface JobRunWorkflow {
  /** The workflow id of a job run. */
  static String workflowId(String jobId, long jobRunId) {
    return "ferry-job-" + jobId + "-run-" + jobRunId;
  }

  /** The workflow id of an owner's run within a job run. */
  static String ownerWorkflowId(String jobId, long jobRunId, String ownerId) {
    return workflowId(jobId, jobRunId) + "-owner-" + ownerId;
  }

  /**
   * The workflow id of an owner's attempt: its first as {@link #ownerWorkflowId(String, long,
   * String)}, an automatic rerun with {@code -rerun-<n>} after it.
   */
  static String ownerWorkflowId(String jobId, long jobRunId, OwnerRef owner) {
    String id = ownerWorkflowId(jobId, jobRunId, owner.ownerId());
    return owner.rerun() == 0 ? id : id + "-rerun-" + owner.rerun();
  }

  @WorkflowMethod
  JobRunStatus run(JobRunInput input);

  /** An owner's workflow reports its end. */
  @SignalMethod
  void ownerDone(OwnerDone done);

  @QueryMethod
  JobRunStatus status();

  /** The job-wide limits in force (the owners running share them). */
  @QueryMethod
  Limits limits();

  /** Pauses every running owner and starts no new one until resumed. */
  @UpdateMethod
  JobRunStatus pause();

  @UpdateValidatorMethod(updateName = "pause")
  void validatePause();

  @UpdateMethod
  JobRunStatus resume();

  @UpdateValidatorMethod(updateName = "resume")
  void validateResume();

  /** New job-wide limits, shared among the owners running within seconds. */
  @UpdateMethod
  Limits setLimits(Limits limits);

  @UpdateValidatorMethod(updateName = "setLimits")
  void validateSetLimits(Limits limits);
}
