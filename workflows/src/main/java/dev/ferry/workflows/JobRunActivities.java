package dev.ferry.workflows;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/** The catalog work of a job run's parent workflow; each method takes one input record. */
@ActivityInterface
public interface JobRunActivities {
  /**
   * A page of a job run's owners.
   *
   * @param jobRunId the job run
   * @param afterRunId only owner runs with a higher id (owner runs are created in owner order)
   * @param max the most to return
   */
  record OwnerPage(long jobRunId, long afterRunId, int max) {}

  /** Owners of the job run after the page's cursor, in owner order, that have not ended. */
  @ActivityMethod
  List<OwnerRef> nextOwners(OwnerPage page);

  /** Whether a job run is paused, as the catalog shows it. */
  record Paused(long jobRunId, boolean paused) {}

  /** Records whether the run is paused (the catalog's state of the job run shows it). */
  @ActivityMethod
  void setPaused(Paused paused);

  /** Owners of a job run whose workflows the parent believes running. */
  record Owners(String jobId, long jobRunId, List<OwnerRef> owners) {}

  /**
   * Those of the owners whose workflows have closed, with how (from Temporal): the parent's check
   * when no owner has reported for a while, so an end whose report was lost still frees its slot.
   */
  @ActivityMethod
  List<OwnerDone> endedOwners(Owners owners);

  /** A job run. */
  record JobRunRef(long jobRunId) {}

  /** Ends the job run's owner runs that never started as cancelled. */
  @ActivityMethod
  void cancelUnstarted(JobRunRef run);

  /**
   * An owner that failed as a whole is rerun.
   *
   * @param jobRunId the job run
   * @param runId the owner's catalog run (the rerun continues it)
   * @param attempt the attempt the rerun is: 2 for the first rerun, up to 4
   * @param reason why the attempt before failed (its message)
   * @param decidedAtMillis when the rerun was decided (workflow time: the failure had just come)
   * @param startsAtMillis when the rerun starts (after its backoff)
   * @param mode the rerun's mode: a dry run's rerun is a dry run, any other is incremental
   */
  record Rerun(
      long jobRunId,
      long runId,
      int attempt,
      String reason,
      long decidedAtMillis,
      long startsAtMillis,
      RunMode mode) {}

  /**
   * Records a rerun (when, why, which attempt) and sets the owner's run back to waiting, in its
   * mode, so the job run is not seen ended meanwhile. Idempotent.
   */
  @ActivityMethod
  void recordRerun(Rerun rerun);
}
