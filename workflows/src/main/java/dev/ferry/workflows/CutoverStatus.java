package dev.ferry.workflows;

import java.util.ArrayList;
import java.util.List;

/**
 * A cutover as its workflow knows it: state, rounds with their deltas, the last verification, every
 * step with who took it and when. Figures only: the differences a verification found are in the
 * catalog.
 *
 * @param state where the cutover stands
 * @param ready whether the last round's delta is under the job's {@code readyWhenDeltaBelow}
 * @param roundRunning whether a round (a job run) runs now
 * @param freezeRequested whether a freeze waits for the running round to end
 * @param frozenAtMillis when the source was frozen, or 0
 * @param rounds every round, oldest first
 * @param lastCheck the last verification, or null
 * @param steps every step taken, oldest first
 * @param estimatedFinalSyncSeconds how long the final incremental round should take, from the last
 *     round (its duration, its delta and the speed it measured), or null before any round ended
 * @param fallbackEndsAtMillis when the fallback period ends, or 0 before the switch
 * @param message what the operator should know now (why a step failed, what to do next), or null
 */
public record CutoverStatus(
    CutoverState state,
    boolean ready,
    boolean roundRunning,
    boolean freezeRequested,
    long frozenAtMillis,
    List<Round> rounds,
    Check lastCheck,
    List<Step> steps,
    Long estimatedFinalSyncSeconds,
    long fallbackEndsAtMillis,
    String message) {

  /**
   * One round: a run of the job.
   *
   * @param number 1 for the first round
   * @param jobRunId the job run, or 0 when it could not start
   * @param mode FULL or INCREMENTAL
   * @param finalRound whether it ran after the freeze
   * @param startedAtMillis when it started
   * @param endedAtMillis when it ended, or 0 while it runs
   * @param state the job run's state at its end (COMPLETED, FAILED...), or null while it runs
   * @param filesCopied files new or changed that the round copied: its delta
   * @param bytesCopied bytes in those files
   * @param filesFailed files that failed in the round
   * @param message why the round failed or could not start, or null
   * @param filesDeleted files deleted at the source since the run before (part of the delta: the
   *     destination still holds them, and the verification lists them as extra)
   */
  public record Round(
      int number,
      long jobRunId,
      RunMode mode,
      boolean finalRound,
      long startedAtMillis,
      long endedAtMillis,
      String state,
      long filesCopied,
      long bytesCopied,
      long filesFailed,
      String message,
      long filesDeleted) {}

  /**
   * A verification: the full comparison of source and destination.
   *
   * @param number 1 for the first
   * @param atMillis when it ended
   * @param filesCompared files compared
   * @param bytesCompared bytes in those files (read on both sides to compare their contents)
   * @param differences differences found (listed in the catalog: missing, extra, size, content,
   *     changed since freeze)
   * @param missing files of the source absent at the destination
   * @param extra files at the destination absent at the source
   * @param size files whose sizes differ
   * @param content files of the same size whose contents differ
   * @param changedSinceFreeze source files modified after the freeze
   * @param message why the verification could not run, or null
   * @param checkedBy how the files' contents were compared, as counts ("412 by md5 (S3 ETag), 3 by
   *     sha256 read back"), or null (a verification recorded before this was said)
   */
  public record Check(
      int number,
      long atMillis,
      long filesCompared,
      long bytesCompared,
      long differences,
      long missing,
      long extra,
      long size,
      long content,
      long changedSinceFreeze,
      String message,
      String checkedBy) {
    public boolean passed() {
      return message == null && differences == 0;
    }
  }

  /**
   * A step taken: by an operator through the API, or by Ferry itself ({@code by} "ferry").
   *
   * @param name start, round, freeze, verify, switch, abort, decommission, or a note of Ferry's
   *     (reminder, fallback ended)
   * @param by the token's name, or "ferry"
   * @param atMillis when
   * @param outcome what came of it, or null
   */
  public record Step(String name, String by, long atMillis, String outcome) {}

  static CutoverStatus start() {
    return new CutoverStatus(
        CutoverState.SYNCING,
        false,
        false,
        false,
        0,
        new ArrayList<>(),
        null,
        new ArrayList<>(),
        null,
        0,
        null);
  }
}
