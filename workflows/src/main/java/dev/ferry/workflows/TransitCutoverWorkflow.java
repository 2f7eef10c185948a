package dev.ferry.workflows;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * A client server's transit cutover: its accounts (files and PostgreSQL databases) moved one by one
 * to a transit server and back. {@code request} starts the precopy of every account's files to the
 * transit ({@code installing}); at its end the transit is {@code ready} and its free window opens
 * (billed per started day past it); accounts move there ({@code moveAccount}) and back ({@code
 * moveBack}) in any order, each an {@link AccountMoveWorkflow} child, one at a time (the others
 * queue); {@code reinstall} (every account on the transit) runs the precopy back to the reinstalled
 * client server, after which no account may go back; {@code finalize} opens the finalization (the
 * user's one-week deadline, a reminder a day before, the overrun recorded); each account moves home
 * and the transit is {@code finished}. Every step is a validated Update: one out of order is
 * refused with the reason, and each is recorded with who took it and when.
 */
@WorkflowInterface
public interface TransitCutoverWorkflow {
  /** The workflow id of a transit. */
  static String workflowId(String transitId) {
    return "ferry-transit-" + transitId;
  }

  /**
   * Who takes a step.
   *
   * @param by the token's name
   * @param reason a free text, or null
   */
  record StepRequest(String by, String reason) {}

  /**
   * A step about one account.
   *
   * @param by the token's name
   * @param account the account's name
   */
  record AccountRequest(String by, String account) {}

  /**
   * The finalization.
   *
   * @param by the token's name
   * @param finalizer {@code support} (support moves the accounts home) or {@code user} (the user
   *     does, within the deadline)
   */
  record FinalizeRequest(String by, String finalizer) {}

  /**
   * A rehearsal before {@code request}.
   *
   * @param by the token's name
   * @param accounts the chosen accounts
   */
  record RehearsalRequest(String by, List<String> accounts) {}

  @WorkflowMethod
  TransitStatus run(TransitInput input);

  @QueryMethod
  TransitStatus status();

  /** Orders the transit: the precopy of every account's files starts ({@code installing}). */
  @UpdateMethod
  TransitStatus request(StepRequest step);

  @UpdateValidatorMethod(updateName = "request")
  void validateRequest(StepRequest step);

  /** Moves an account: to the transit while ready, home while finalizing. Queued behind others. */
  @UpdateMethod
  TransitStatus moveAccount(AccountRequest step);

  @UpdateValidatorMethod(updateName = "moveAccount")
  void validateMoveAccount(AccountRequest step);

  /** Moves an account on the transit back to the client server, until the reinstall. */
  @UpdateMethod
  TransitStatus moveBack(AccountRequest step);

  @UpdateValidatorMethod(updateName = "moveBack")
  void validateMoveBack(AccountRequest step);

  /** The client server is reinstalled: every account must be on the transit; the precopy back. */
  @UpdateMethod
  TransitStatus reinstall(StepRequest step);

  @UpdateValidatorMethod(updateName = "reinstall")
  void validateReinstall(StepRequest step);

  /** Opens the finalization, by support or by the user (with the deadline). */
  @UpdateMethod
  TransitStatus finalizeTransit(FinalizeRequest step);

  @UpdateValidatorMethod(updateName = "finalizeTransit")
  void validateFinalizeTransit(FinalizeRequest step);

  /** Rehearses the move of a few accounts (before {@code request}), reported like real moves. */
  @UpdateMethod
  TransitStatus rehearse(RehearsalRequest step);

  @UpdateValidatorMethod(updateName = "rehearse")
  void validateRehearse(RehearsalRequest step);
}
