package dev.ferry.api.server;

import dev.ferry.activities.catalog.JobRunRow;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.activities.catalog.OwnerRunRow;
import dev.ferry.activities.catalog.ProjectRow;
import dev.ferry.workflows.Limits;
import dev.ferry.workflows.MigrationWorkflow;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies projects' bandwidth schedules to running jobs: every half minute, for each active run of
 * a job whose project has a schedule, the job's cap is worked out for now (the lower of its own
 * limit and the schedule's) and sent to the owners' workflows whose limits differ, through the
 * {@code setLimits} Update — so a change of window takes effect within about a minute.
 */
final class LimitsScheduler {
  private static final Logger log = LoggerFactory.getLogger(LimitsScheduler.class);

  private final Services s;

  LimitsScheduler(Services s) {
    this.s = s;
  }

  void apply() {
    try {
      Instant now = Instant.now();
      for (JobRunRow r : s.jobRuns.active()) {
        Optional<JobSpecRow> job = s.jobs.find(r.jobId());
        if (job.isEmpty()) {
          continue;
        }
        boolean scheduled =
            s.projects.find(job.get().projectId()).map(ProjectRow::bandwidthSchedule).isPresent();
        if (!scheduled) {
          continue;
        }
        JobOptions o = JobOptions.fromJson(job.get().options());
        Limits want = new Limits(o.concurrency(), s.launcher.effectiveBandwidth(job.get(), o, now));
        for (OwnerRunRow or : s.jobRuns.ownerRuns(r.id())) {
          if (or.run().finishedAt() != null || or.run().workflowId() == null) {
            continue;
          }
          MigrationWorkflow wf =
              s.launcher.client().newWorkflowStub(MigrationWorkflow.class, or.run().workflowId());
          try {
            Limits have = wf.limits();
            if (have.bwlimitMbps() != want.bwlimitMbps()) {
              wf.setLimits(new Limits(have.concurrency(), want.bwlimitMbps()));
              log.info(
                  "job {}: bandwidth limit now {} Mbps (schedule)", r.jobId(), want.bwlimitMbps());
            }
          } catch (RuntimeException e) {
            log.debug("cannot apply limits to {}: {}", or.run().workflowId(), e.getMessage());
          }
        }
      }
    } catch (RuntimeException e) {
      log.warn("applying bandwidth schedules failed: {}", e.getMessage());
    }
  }
}
