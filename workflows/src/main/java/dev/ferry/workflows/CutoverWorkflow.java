package dev.ferry.workflows;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The cutover that ends a job's migration: incremental rounds (each a {@link JobRunWorkflow}, a
 * child of this workflow) until the delta converges, a freeze of the source, a final incremental
 * round, a verification gate, an operator-confirmed switch, then a fallback period with the source
 * kept before an explicit decommission. Every step is a validated Update: one out of order is
 * refused with the reason, and each is recorded with who took it and when.
 */
@WorkflowInterface
public interface CutoverWorkflow {
  /** The task queue of the activities only {@code ferry server} runs (rounds, hooks, checks). */
  String SERVER_QUEUE = "ferry-server";

  /** The workflow id of a job's cutover. */
  static String workflowId(String jobId) {
    return "ferry-job-" + jobId + "-cutover";
  }

  /**
   * Who takes a step, and why (an abort's reason).
   *
   * @param by the token's name
   * @param reason a free text, or null
   * @param deleteSource decommission only: delete at the source the files the last passing
   *     verification found identical and that are unchanged since (each checked again first)
   */
  record StepRequest(String by, String reason, boolean deleteSource) {
    public StepRequest(String by, String reason) {
      this(by, reason, false);
    }
  }

  @WorkflowMethod
  CutoverStatus run(CutoverInput input);

  @QueryMethod
  CutoverStatus status();

  /** Runs a round now: another incremental round while syncing, another final one when frozen. */
  @UpdateMethod
  CutoverStatus round(StepRequest step);

  @UpdateValidatorMethod(updateName = "round")
  void validateRound(StepRequest step);

  /**
   * Freezes the source (the freeze hook runs, if any; the operator confirms the source is
   * read-only), then runs the final incremental round and verifies. Waits for a running round.
   */
  @UpdateMethod
  CutoverStatus freeze(StepRequest step);

  @UpdateValidatorMethod(updateName = "freeze")
  void validateFreeze(StepRequest step);

  /** Verifies again (after the final round; after fixing differences and another final round). */
  @UpdateMethod
  CutoverStatus verify(StepRequest step);

  @UpdateValidatorMethod(updateName = "verify")
  void validateVerify(StepRequest step);

  /** Switches to the destination (the switch hook runs once), only after a passing verification. */
  @UpdateMethod
  CutoverStatus switchOver(StepRequest step);

  @UpdateValidatorMethod(updateName = "switchOver")
  void validateSwitchOver(StepRequest step);

  /** Stops the cutover before the switch: the running round is cancelled, the copies are kept. */
  @UpdateMethod
  CutoverStatus abort(StepRequest step);

  @UpdateValidatorMethod(updateName = "abort")
  void validateAbort(StepRequest step);

  /**
   * Ends the fallback period: the source is no longer needed. Deletes nothing, unless {@link
   * StepRequest#deleteSource()}: then the files the last passing verification verified, each
   * checked again (same size and hash) before it is deleted.
   */
  @UpdateMethod
  CutoverStatus decommission(StepRequest step);

  @UpdateValidatorMethod(updateName = "decommission")
  void validateDecommission(StepRequest step);
}
