package dev.ferry.workflows;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The work of a {@link CutoverWorkflow} outside it, done by {@code ferry server} (task queue {@link
 * CutoverWorkflow#SERVER_QUEUE}): preparing a round as the API prepares a run, reading a round's
 * figures, running a hook, verifying. Each method takes one input record.
 */
@ActivityInterface
public interface CutoverActivities {
  /**
   * A round to prepare.
   *
   * @param jobId the job
   * @param finalRound whether it is the final round (after the freeze): always incremental
   */
  record RoundRequest(String jobId, boolean finalRound) {}

  /**
   * Creates the job run of a round in the catalog as {@code POST /jobs/{id}/runs} does (the first
   * round of a job that never completed a run is FULL, the others INCREMENTAL) and returns the
   * input of its {@link JobRunWorkflow}, which the cutover starts as its child. Fails non-retryably
   * when the job has a run that has not ended.
   */
  @ActivityMethod
  JobRunInput prepareRound(RoundRequest request);

  /** A job run. */
  record RoundRef(long jobRunId) {}

  /**
   * A round's figures from the catalog.
   *
   * @param state the job run's state
   * @param filesCopied files transferred
   * @param bytesCopied bytes transferred
   * @param filesFailed files failed
   * @param seconds how long it ran
   * @param filesDeleted files the previous run of each owner found at the source and this one did
   *     not: deleted (or moved away) at the source since; 0 when this run's scan did not complete
   */
  record RoundFigures(
      String state,
      long filesCopied,
      long bytesCopied,
      long filesFailed,
      long seconds,
      long filesDeleted) {
    /** Figures without deletions (a copy that is not a round). */
    public RoundFigures(
        String state, long filesCopied, long bytesCopied, long filesFailed, long seconds) {
      this(state, filesCopied, bytesCopied, filesFailed, seconds, 0);
    }
  }

  @ActivityMethod
  RoundFigures roundFigures(RoundRef round);

  /**
   * A hook to run: the job's freeze or switch hook, as the cutover's start stored it.
   *
   * @param jobId the job
   * @param hook {@code freeze} or {@code switch}
   */
  record HookCall(String jobId, String hook) {}

  /**
   * What a hook did.
   *
   * @param ran false when the job has no such hook
   * @param ok whether it succeeded (exit status 0, HTTP 2xx)
   * @param outcome its exit status or HTTP status and the end of its output, short
   */
  record HookResult(boolean ran, boolean ok, String outcome) {}

  /** Runs a hook: a command by {@code sh -c} on the server, or an HTTP POST. */
  @ActivityMethod
  HookResult runHook(HookCall call);

  /**
   * A verification to run.
   *
   * @param jobId the job
   * @param number the verification's number (its differences are stored under it)
   * @param frozenAtMillis when the source was frozen (a source file modified later is named), or 0
   */
  record VerifyRequest(String jobId, int number, long frozenAtMillis) {}

  /**
   * Compares every owner's source and destination in full (presence, size, content read on both
   * sides, the rename map for names the destination refused) and stores the differences in the
   * catalog; returns the figures.
   */
  @ActivityMethod
  CutoverStatus.Check verify(VerifyRequest request);

  /**
   * A decommission's deletion at the source.
   *
   * @param jobId the job
   * @param checkNumber the passing verification whose verified files may be deleted
   */
  record DeleteRequest(String jobId, int checkNumber) {}

  /**
   * What a decommission deleted.
   *
   * @param deleted files deleted at the source
   * @param bytes bytes in them
   * @param kept files kept: changed since the verification, or gone already
   * @param failed files whose deletion failed
   * @param summary one sentence, for the step's record
   */
  record DeleteResult(long deleted, long bytes, long kept, long failed, String summary) {}

  /**
   * Deletes at the source the files verification {@code checkNumber} found identical, each only
   * after reading it again: same size and the same hash as verified (else it is kept); logs every
   * file's outcome in the catalog. Never deletes a file the verification did not list.
   */
  @ActivityMethod
  DeleteResult deleteVerified(DeleteRequest request);

  /** A job whose source Ferry makes read-only, or writable again. */
  record FreezeCall(String jobId) {}

  /**
   * What Ferry did to the source's permissions.
   *
   * @param applied whether it changed any (and so will put them back)
   * @param outcome what it did, or why it could not, said for the operator
   */
  record FreezeResult(boolean applied, String outcome) {}

  /**
   * Makes the job's source read-only where Ferry can: on a local source of the server's own worker,
   * removes every write permission (each entry's mode kept in the catalog, to be put back exactly).
   * Elsewhere (object stores, SFTP, an agent's files) it changes nothing and says so: the freeze
   * hook or the operator does it.
   */
  @ActivityMethod
  FreezeResult applyFreeze(FreezeCall call);

  /** Puts back the permissions {@link #applyFreeze} removed (abort, decommission). */
  @ActivityMethod
  FreezeResult undoFreeze(FreezeCall call);
}
