package dev.ferry.workflows;

import java.util.List;

/**
 * A transit cutover as its workflow knows it: state, windows, the overage so far, every account
 * with where it is served, the moves, every step with who took it and when. Ids, names and figures
 * only.
 *
 * @param state where the transit stands
 * @param shared {@code kind: shared}: no precopy, no free window, no deadline
 * @param accounts every account
 * @param queued accounts whose move waits for the one running (oldest first)
 * @param moving the account whose move runs now, or null
 * @param moves every move and rehearsal that ended, oldest first
 * @param precopy the precopy to the transit, or null before it
 * @param precopyBack the precopy back to the reinstalled client server, or null before it
 * @param reinstalledAtMillis when the reinstalled client server got its precopy back (from then on
 *     {@code finalize} may open the finalization), or 0
 * @param readyAtMillis when the transit became ready, or 0
 * @param freeUntilMillis when its free window ends, or 0 (shared, or before {@code ready})
 * @param overageDays days billed past the free window so far (a day that started counts)
 * @param overageCents what they cost, or 0 when the transit has no price
 * @param finalizeBy who finalizes: {@code support} or {@code user}, or null before
 * @param finalizeByMillis the user's deadline, or 0 (finalized by support, or shared)
 * @param reminded whether the reminder a day before the deadline was sent
 * @param overrun whether the deadline passed with accounts still on the transit
 * @param steps every step taken, oldest first
 * @param message what the support engineer should know now, or null
 */
public record TransitStatus(
    TransitState state,
    boolean shared,
    List<AccountStatus> accounts,
    List<String> queued,
    String moving,
    List<Move> moves,
    Copy precopy,
    Copy precopyBack,
    long reinstalledAtMillis,
    long readyAtMillis,
    long freeUntilMillis,
    int overageDays,
    long overageCents,
    String finalizeBy,
    long finalizeByMillis,
    boolean reminded,
    boolean overrun,
    List<CutoverStatus.Step> steps,
    String message) {

  /** An account served by the client server. */
  public static final String SERVER = "server";

  /** An account served by the transit. */
  public static final String TRANSIT = "transit";

  /**
   * One account.
   *
   * @param name its name
   * @param location {@link #SERVER} or {@link #TRANSIT}: where it is served now
   * @param state {@code serving}, {@code queued}, {@code moving}, or {@code home} (back on the
   *     reinstalled server)
   * @param moves moves that ended (done or not)
   * @param failedMoves moves that gave up after their retries (the account kept serving)
   * @param lastProblem why its last move gave up, or null
   */
  public record AccountStatus(
      String name, String location, String state, int moves, int failedMoves, String lastProblem) {}

  /**
   * A move of one account that ended, or a rehearsal.
   *
   * @param account the account
   * @param to {@code transit}, {@code server}, or {@code rehearsal}
   * @param by who asked for it
   * @param result what the move did
   */
  public record Move(String account, String to, String by, AccountMoveWorkflow.Result result) {}

  /**
   * A precopy: a run of the transit's job of one direction, every account.
   *
   * @param jobRunId the job run, or 0 when it could not start
   * @param startedAtMillis when it started
   * @param endedAtMillis when it ended, or 0 while it runs
   * @param state the job run's end state, or null while it runs
   * @param filesCopied files copied
   * @param bytesCopied bytes copied
   * @param filesFailed files that failed (the accounts' final copies retry them)
   * @param message why it failed or could not start, or null
   */
  public record Copy(
      long jobRunId,
      long startedAtMillis,
      long endedAtMillis,
      String state,
      long filesCopied,
      long bytesCopied,
      long filesFailed,
      String message) {
    boolean failed() {
      return "FAILED".equals(state) || "CANCELLED".equals(state) || jobRunId == 0;
    }
  }
}
