package dev.ferry.activities.temporal;

import dev.ferry.activities.catalog.JobRuns;
import dev.ferry.workflows.JobRunActivities;
import dev.ferry.workflows.OwnerRef;
import java.util.List;

/** The catalog work of a job run's parent workflow. */
public final class JobRunActivityImpl implements JobRunActivities {
  private final JobRuns jobRuns;

  public JobRunActivityImpl(JobRuns jobRuns) {
    this.jobRuns = jobRuns;
  }

  @Override
  public List<OwnerRef> nextOwners(OwnerPage page) {
    return jobRuns.unfinishedOwners(page.jobRunId(), page.afterRunId(), page.max());
  }

  @Override
  public void setPaused(Paused paused) {
    jobRuns.setPaused(paused.jobRunId(), paused.paused());
  }

  @Override
  public void cancelUnstarted(JobRunRef run) {
    jobRuns.cancelUnstarted(run.jobRunId());
  }
}
