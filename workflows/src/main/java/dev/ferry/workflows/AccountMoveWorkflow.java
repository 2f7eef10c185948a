package dev.ferry.workflows;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * One account of a transit cutover moved from one server to the other, a child of its {@link
 * TransitCutoverWorkflow}: the freeze hook, the final incremental copy of its files (a {@link
 * JobRunWorkflow} of one owner, its child), each database moved ({@link DatabaseActivities}: dump,
 * restore, every table compared), the routing hook, then the unfreeze hook. The routing is switched
 * only after the files and every database arrived and compared equal, so an account is never
 * half-moved: an attempt that fails before it unfreezes the account where it was, and the move is
 * retried (after 1, 2 and 4 minutes); after the last attempt it gives up and the account keeps
 * serving from its old server. A rehearsal does the same without hooks and without touching what
 * the account serves from: its files to the transit, its databases there and back under rehearsal
 * names.
 */
@WorkflowInterface
public interface AccountMoveWorkflow {
  /** Attempts of one move: the first and three retries. */
  int MAX_ATTEMPTS = 4;

  /** The workflow id of a transit's {@code n}-th account move. */
  static String workflowId(String transitId, int n, String account) {
    return TransitCutoverWorkflow.workflowId(transitId) + "-move-" + n + "-" + account;
  }

  /**
   * What to move.
   *
   * @param transitId the transit
   * @param account the account's name
   * @param to where it goes: {@code transit}, {@code server}, or {@code rehearsal}
   * @param filesDirection which of the transit's jobs copies its files ({@link
   *     TransitActivities#OUT} or {@link TransitActivities#BACK})
   * @param measure the databases whose size gives the expected unavailability (the sources)
   * @param databases the database moves, in order
   * @param hooks whether the freeze, routing and unfreeze hooks run (not in a rehearsal)
   * @param maxAttempts attempts before it gives up
   * @param retrySeconds the wait before the first retry, doubled for each next
   * @param labels ids for the search attributes (kind {@code account_move}), or null
   */
  record Input(
      String transitId,
      String account,
      String to,
      String filesDirection,
      List<DatabaseActivities.DatabaseRef> measure,
      List<DatabaseActivities.MoveRequest> databases,
      boolean hooks,
      int maxAttempts,
      int retrySeconds,
      Labels labels) {}

  /**
   * What a move did.
   *
   * @param ok whether the account is served from its new place now (for a rehearsal: whether every
   *     step passed)
   * @param attempts attempts made
   * @param startedAtMillis when it started
   * @param endedAtMillis when it ended
   * @param databaseBytes the size of its databases before the move
   * @param expectedSeconds the unavailability expected: a minute per GB of its databases
   * @param measuredSeconds the unavailability measured: from the freeze to the unfreeze of the
   *     attempt that passed (of the last attempt when none did)
   * @param filesCopied files its final copy transferred
   * @param bytesCopied bytes in those
   * @param tablesCompared tables compared equal on both sides
   * @param problems why each failed attempt failed, oldest first
   * @param note what else happened (an unfreeze hook that failed after the routing), or null
   */
  record Result(
      boolean ok,
      int attempts,
      long startedAtMillis,
      long endedAtMillis,
      long databaseBytes,
      long expectedSeconds,
      long measuredSeconds,
      long filesCopied,
      long bytesCopied,
      int tablesCompared,
      List<String> problems,
      String note) {}

  @WorkflowMethod
  Result run(Input input);

  /** Where the move stands: a line for a person. */
  @QueryMethod
  String progress();
}
