package dev.ferry.api.server;

import dev.ferry.activities.catalog.JobRuns;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.activities.catalog.OwnerRunRow;
import dev.ferry.activities.catalog.ProjectRow;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.api.runtime.SearchAttributeSetup;
import dev.ferry.workflows.FerryAttributes;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.Labels;
import dev.ferry.workflows.Limits;
import dev.ferry.workflows.MigrationInput;
import dev.ferry.workflows.MigrationWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a job's owners through a sliding window and keeps the job's limits job-wide.
 *
 * <p>Each owner runs as its own {@link MigrationWorkflow}. At most the job's concurrency of them
 * run at once; the others wait in the catalog (their runs have no workflow yet) and start as
 * running ones end. The job's concurrency and bandwidth cap — the lower of the job's own and its
 * project's bandwidth schedule now — are split evenly among the owners running, so the sum never
 * exceeds what the operator set; when fewer owners are left, their shares grow (sent as the
 * workflow's {@code setLimits} Update). The operator's pause and cancel are recorded on the job run
 * and hold for owners not started yet.
 *
 * <p>All state is in PostgreSQL: after a restart the server carries on from it. The server ticks
 * every few seconds and right after a run starts or resumes. Workflow ids are derived from owner
 * and run, so an owner is never started twice. One dispatching server per database.
 */
final class OwnerDispatcher {
  private static final Logger log = LoggerFactory.getLogger(OwnerDispatcher.class);

  private final Services s;
  private final WorkflowClient client;
  private final Map<String, Limits> sent = new ConcurrentHashMap<>();

  OwnerDispatcher(Services s, WorkflowClient client) {
    this.s = s;
    this.client = client;
  }

  /** Dispatches every job run that has not ended; never throws. */
  synchronized void tick() {
    try {
      for (JobRuns.Control c : s.jobRuns.activeControls()) {
        try {
          dispatch(c);
        } catch (RuntimeException e) {
          log.warn("job run {}: cannot dispatch its owners yet: {}", c.id(), e.getMessage());
        }
      }
      sent.keySet().retainAll(activeWorkflows());
    } catch (RuntimeException e) {
      log.warn("owner dispatch failed: {}", e.getMessage());
    }
  }

  private List<String> activeWorkflows() {
    List<String> ids = new ArrayList<>();
    for (JobRuns.Control c : s.jobRuns.activeControls()) {
      for (OwnerRunRow o : s.jobRuns.ownerRuns(c.id())) {
        if (o.run().workflowId() != null && o.run().finishedAt() == null) {
          ids.add(o.run().workflowId());
        }
      }
    }
    return ids;
  }

  /** Dispatches one job run now; starting failures propagate (for the request that started it). */
  synchronized void dispatch(long jobRunId) {
    s.jobRuns.control(jobRunId).ifPresent(this::dispatch);
  }

  private void dispatch(JobRuns.Control c) {
    if (c.cancelled()) {
      return;
    }
    Optional<JobSpecRow> job = s.jobs.find(c.jobId());
    if (job.isEmpty()) {
      return;
    }
    List<OwnerRunRow> owners = s.jobRuns.ownerRuns(c.id());
    List<OwnerRunRow> active = new ArrayList<>();
    List<OwnerRunRow> pending = new ArrayList<>();
    for (OwnerRunRow o : owners) {
      if (o.run().finishedAt() == null) {
        (o.run().workflowId() == null ? pending : active).add(o);
      }
    }
    if (active.isEmpty() && pending.isEmpty()) {
      return;
    }
    RunOptions base =
        s.catalog.options((active.isEmpty() ? pending : active).getFirst().run().id());
    int window = Math.max(1, c.maxParallel());
    int toStart = c.paused() ? 0 : Math.min(pending.size(), Math.max(0, window - active.size()));
    int running = Math.max(1, active.size() + toStart);
    Limits share =
        share(base.concurrency(), bandwidth(job.get(), base.bwlimitMbps(), Instant.now()), running);
    for (int i = 0; i < toStart; i++) {
      start(job.get(), c, pending.get(i), share);
    }
    for (OwnerRunRow o : active) {
      rebalance(o.run().workflowId(), share);
    }
  }

  /** The job's limits split among {@code running} owners (each at least one stream). */
  static Limits share(int concurrency, double bwlimitMbps, int running) {
    return new Limits(
        Math.max(1, concurrency / running), bwlimitMbps <= 0 ? 0 : bwlimitMbps / running);
  }

  /** The job's bandwidth cap now: the lower of its own limit and its project's schedule. */
  double bandwidth(JobSpecRow job, double own, Instant now) {
    Double cap =
        s.projects
            .find(job.projectId())
            .map(ProjectRow::bandwidthSchedule)
            .map(BandwidthSchedule::fromJson)
            .map(b -> b.capAt(now))
            .orElse(null);
    if (cap == null) {
      return own;
    }
    return own > 0 ? Math.min(own, cap) : cap;
  }

  private void start(JobSpecRow job, JobRuns.Control c, OwnerRunRow o, Limits limits) {
    long runId = o.run().id();
    String workflowId = MigrationWorkflow.workflowId(o.owner().id().toString(), runId);
    // search attributes (FerryJobId, FerryOwnerId, FerryPhase...) when the namespace has them
    Labels labels =
        SearchAttributeSetup.ready(client)
            ? new Labels(
                job.id().toString(),
                String.valueOf(c.id()),
                job.clientId() == null ? null : job.clientId().toString(),
                job.projectId() == null ? null : job.projectId().toString(),
                o.owner().id().toString(),
                job.agentId() == null ? null : job.agentId().toString(),
                FerryAttributes.KIND_OWNER)
            : null;
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(workflowId)
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .setStaticSummary(
                s.launcher.summary(job)
                    + (o.owner().implicit() ? "" : " — owner " + o.owner().name())
                    + " ("
                    + c.mode()
                    + ")");
    if (labels != null) {
      options.setTypedSearchAttributes(
          FerryAttributes.atStart(labels, FerryAttributes.phase(JobState.CREATED)));
    }
    MigrationWorkflow wf = client.newWorkflowStub(MigrationWorkflow.class, options.build());
    try {
      WorkflowClient.start(
          wf::run,
          new MigrationInput(
              o.owner().id().toString(),
              runId,
              c.mode(),
              limits,
              null,
              c.dataTaskQueue(),
              null,
              labels));
    } catch (WorkflowExecutionAlreadyStarted e) {
      log.info("{} was already started (the server stopped before recording it)", workflowId);
    }
    s.catalog.setWorkflowId(runId, workflowId);
    sent.put(workflowId, limits);
  }

  private void rebalance(String workflowId, Limits share) {
    Limits have = sent.get(workflowId);
    MigrationWorkflow wf = client.newWorkflowStub(MigrationWorkflow.class, workflowId);
    try {
      if (have == null) {
        have = wf.limits();
      }
      if (!have.equals(share)) {
        wf.setLimits(share);
        log.info(
            "{}: limits now {} streams, {} Mbps",
            workflowId,
            share.concurrency(),
            share.bwlimitMbps());
      }
      sent.put(workflowId, share);
    } catch (RuntimeException e) {
      // ended meanwhile, or not reachable now: the next tick tries again
      log.debug("cannot set the limits of {}: {}", workflowId, e.getMessage());
    }
  }
}
