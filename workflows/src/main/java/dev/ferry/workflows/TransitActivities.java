package dev.ferry.workflows;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The work of a {@link TransitCutoverWorkflow} and its {@link AccountMoveWorkflow}s outside them,
 * done by {@code ferry server} (task queue {@link CutoverWorkflow#SERVER_QUEUE}): preparing a copy
 * of files as the API prepares a run, reading its figures, running the account hooks (commands and
 * URLs read from the catalog).
 */
@ActivityInterface
public interface TransitActivities {
  /** Files copied from the client server to the transit. */
  String OUT = "out";

  /** Files copied from the transit back to the client server. */
  String BACK = "back";

  /**
   * A copy of files to prepare.
   *
   * @param transitId the transit
   * @param direction {@link #OUT} or {@link #BACK}
   * @param account one account (its final incremental copy), or null for every account (a precopy)
   */
  record CopyRequest(String transitId, String direction, String account) {}

  /**
   * Creates the job run of a copy in the catalog (a run of the transit's job of that direction, of
   * one owner or all; FULL when that job never completed a run, else INCREMENTAL) and returns the
   * input of its {@link JobRunWorkflow}, which the caller starts as its child.
   */
  @ActivityMethod(name = "TransitPrepareCopy")
  JobRunInput prepareCopy(CopyRequest request);

  /** A job run's figures from the catalog, as a cutover's round reads them. */
  @ActivityMethod(name = "TransitCopyFigures")
  CutoverActivities.RoundFigures copyFigures(CutoverActivities.RoundRef run);

  /** The freeze hook: the account stops taking writes where it is served. */
  String FREEZE = "freeze";

  /** The unfreeze hook: it takes writes again (where it is served now). */
  String UNFREEZE = "unfreeze";

  /** The routing hook: its traffic goes to {@code to}. */
  String ROUTE = "route";

  /**
   * A hook to run for one account.
   *
   * @param transitId the transit
   * @param hook {@link #FREEZE}, {@link #UNFREEZE} or {@link #ROUTE}
   * @param account the account's name
   * @param to where its traffic goes ({@code server} or {@code transit}); for a route
   */
  record HookCall(String transitId, String hook, String account, String to) {}

  /**
   * Runs a transit hook (a command by {@code sh -c} on the server, or an HTTP POST, with the
   * account, the hook and the target in its environment or body); {@code ran} false when the
   * transit has no such hook.
   */
  @ActivityMethod(name = "TransitRunHook")
  CutoverActivities.HookResult runHook(HookCall call);
}
