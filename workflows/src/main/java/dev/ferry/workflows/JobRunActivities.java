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
}
