package dev.ferry.workflows;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One run of a migration job: scan, plan, transfer in batches, finish. Pause, resume, cancel and
 * limit changes arrive as Updates, each checked by a validator before it is accepted.
 */
@WorkflowInterface
public interface MigrationWorkflow {
  /** Task queue of workflows and catalog activities. */
  String TASK_QUEUE = "ferry";

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

  /** Ends the run within seconds; files already copied stay and are recorded. */
  @UpdateMethod
  Progress cancel();

  @UpdateValidatorMethod(updateName = "cancel")
  void validateCancel();

  /** Changes concurrency and bandwidth of the running job; takes effect within seconds. */
  @UpdateMethod
  Limits setLimits(Limits limits);

  @UpdateValidatorMethod(updateName = "setLimits")
  void validateSetLimits(Limits limits);
}
