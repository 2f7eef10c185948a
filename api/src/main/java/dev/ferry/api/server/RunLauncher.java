package dev.ferry.api.server;

import dev.ferry.activities.catalog.AgentRow;
import dev.ferry.activities.catalog.ConnectionRow;
import dev.ferry.activities.catalog.JobRunRow;
import dev.ferry.activities.catalog.JobRuns;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.activities.catalog.OwnerRow;
import dev.ferry.activities.catalog.ProjectRow;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.api.runtime.SearchAttributeSetup;
import dev.ferry.workflows.BandwidthWindows;
import dev.ferry.workflows.FerryAttributes;
import dev.ferry.workflows.JobRunInput;
import dev.ferry.workflows.JobRunStatus;
import dev.ferry.workflows.JobRunWorkflow;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.Labels;
import dev.ferry.workflows.Limits;
import dev.ferry.workflows.MigrationWorkflow;
import dev.ferry.workflows.RunMode;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.javalin.http.ConflictResponse;
import io.javalin.http.ServiceUnavailableResponse;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and steers job runs on Temporal: one catalog run per owner and one {@link JobRunWorkflow}
 * per job run (workflow id {@code ferry-job-<job>-run-<jobRun>}), started with a {@link
 * JobRunInput} that names the job run, its limits and the project's bandwidth schedule (never a
 * path list, never a secret) and, for a job with an agent, the agent's task queue for the
 * activities that touch the storage. The parent starts the owners' {@link MigrationWorkflow}s as
 * its children. Pause, resume and new limits are the parent's Updates, cancel its Temporal
 * cancellation; the validators' refusals come back as 409. Knows nothing about HTTP but its
 * response exceptions.
 */
final class RunLauncher {
  private static final Logger log = LoggerFactory.getLogger(RunLauncher.class);

  private final Services s;
  private final WorkflowClient client;

  RunLauncher(Services s, WorkflowClient client) {
    this.s = s;
    this.client = client;
  }

  WorkflowClient client() {
    return client;
  }

  /**
   * Starts a run of every owner of {@code job}: one catalog run per owner and the job run's {@link
   * JobRunWorkflow}, which starts the owners' workflows as its children; 409 when the job has a run
   * that has not ended, 503 when Temporal does not take the run (its owners are then failed).
   */
  JobRunRow start(JobSpecRow job, RunMode mode) {
    return start(job, mode, null);
  }

  /**
   * Starts a run of {@code owners}, some or all of the job's (a staged start): the job run holds a
   * catalog run for each of them only, so its state, figures and report are theirs; the others keep
   * their manifests untouched for a later run. {@code owners} null: every owner the job has when
   * the run is created.
   */
  JobRunRow start(JobSpecRow job, RunMode mode, List<OwnerRow> owners) {
    JobRunInput in = prepare(job, mode, owners);
    WorkflowOptions.Builder wo =
        WorkflowOptions.newBuilder()
            .setWorkflowId(JobRunWorkflow.workflowId(in.jobId(), in.jobRunId()))
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .setStaticSummary(in.summary() + " (" + mode + ")");
    if (in.labels() != null) {
      wo.setTypedSearchAttributes(
          FerryAttributes.atStart(in.labels(), FerryAttributes.phase(JobState.RUNNING)));
    }
    JobRunWorkflow wf = client.newWorkflowStub(JobRunWorkflow.class, wo.build());
    try {
      WorkflowClient.start(wf::run, in);
    } catch (RuntimeException e) {
      log.error("cannot start run {} of job {}", in.jobRunId(), job.id(), e);
      s.jobRuns.failUnstarted(in.jobRunId(), "could not start: " + e.getMessage());
      throw new ServiceUnavailableResponse(
          "Temporal did not accept the run ("
              + e.getMessage()
              + "); owners not started are failed");
    }
    return s.jobRuns.find(job.id(), in.jobRunId()).orElseThrow();
  }

  /**
   * Creates a run of {@code owners} in the catalog (one run per owner) and returns the input of its
   * {@link JobRunWorkflow}, not started: {@link #start} starts it, a cutover starts it as the child
   * that is its round. 409 when the job has a run that has not ended.
   */
  JobRunInput prepare(JobSpecRow given, RunMode mode, List<OwnerRow> owners) {
    // the folders judged and the run created under the lock a change of the job's connections
    // takes and with the job's row locked (JobService), so a change cannot move a location between
    // this check and the run, nor miss the run, and of two starts at once one creates the run; the
    // job, its options and its owners as committed now (a change that came first is the one run)
    Prepared p =
        s.jobService.locked(
            given,
            true,
            (h, j) -> {
              List<OwnerRow> chosen = current(owners, s.jobs.owners(h, j.id()));
              JobOptions o = JobOptions.fromJson(j.options());
              RunOptions ro = o.toRunOptions(Instant.now());
              String q = j.agentId() == null ? null : AgentRow.taskQueue(j.agentId());
              requireAllowedFolders(j, chosen);
              JobRuns.Created c =
                  s.jobRuns
                      .create(j.id(), mode, chosen, ro, o.maxParallelOwners(), q)
                      .orElseThrow(
                          () ->
                              new ConflictResponse(
                                  "the job has a run that has not ended; pause, resume or cancel"
                                      + " it first"));
              return new Prepared(j, o, ro, q, c);
            });
    JobSpecRow job = p.job();
    JobOptions options = p.options();
    RunOptions runOptions = p.runOptions();
    String queue = p.queue();
    JobRuns.Created created = p.created();
    BandwidthWindows schedule =
        job.projectId() == null
            ? null
            : s.projects
                .find(job.projectId())
                .map(ProjectRow::bandwidthSchedule)
                .map(BandwidthSchedule::fromJson)
                .map(BandwidthSchedule::toWorkflow)
                .orElse(null);
    // search attributes (FerryJobId, FerryRunId, FerryKind=job_run...) when the namespace has them
    Labels labels =
        SearchAttributeSetup.ready(client)
            ? new Labels(
                job.id().toString(),
                String.valueOf(created.jobRunId()),
                job.clientId() == null ? null : job.clientId().toString(),
                job.projectId() == null ? null : job.projectId().toString(),
                null,
                job.agentId() == null ? null : job.agentId().toString(),
                FerryAttributes.KIND_JOB_RUN)
            : null;
    return new JobRunInput(
        job.id().toString(),
        created.jobRunId(),
        mode,
        new Limits(runOptions.concurrency(), runOptions.bwlimitMbps()),
        options.maxParallelOwners(),
        schedule,
        queue,
        options.retries(),
        null,
        summary(job),
        labels,
        rerunBackoffSeconds(),
        true); // the client's webhooks hear how it ends
  }

  private record Prepared(
      JobSpecRow job,
      JobOptions options,
      RunOptions runOptions,
      String queue,
      JobRuns.Created created) {}

  /**
   * The owners to run as the job has them now: all of them for {@code chosen} null, else those of
   * {@code chosen} (by id); 409 when one of those is gone meanwhile (a change of the owners came
   * first).
   */
  private static List<OwnerRow> current(List<OwnerRow> chosen, List<OwnerRow> now) {
    if (chosen == null) {
      return now;
    }
    java.util.Set<java.util.UUID> ids = new java.util.HashSet<>();
    chosen.forEach(o -> ids.add(o.id()));
    List<OwnerRow> picked = now.stream().filter(o -> ids.contains(o.id())).toList();
    if (picked.size() != ids.size()) {
      throw new ConflictResponse(
          "the job's owners changed while the run was being started, and some of the owners asked"
              + " for are gone; start the run again");
    }
    return picked;
  }

  /**
   * Refuses, before anything starts, a run whose job would read or write a folder of the server
   * that the server does not allow ({@link JobRules#local}: FERRY_LOCAL_ROOTS, never /proc, /sys,
   * /dev or Ferry's home; a connection of an agent only on that agent): a job made before these
   * rules, or a folder that became a symbolic link since, cannot run outside the roots. 403 naming
   * the rule.
   */
  void requireAllowedFolders(JobSpecRow job, List<OwnerRow> owners) {
    List<String> problems = new java.util.ArrayList<>();
    s.rules.local(
        (field, message) -> problems.add(field + ": " + message),
        null,
        job.agentId(),
        new JobRules.Side(
            "source", s.connections.find(job.sourceConnectionId()).orElse(null), job.sourcePath()),
        new JobRules.Side(
            "destination", s.connections.find(job.destConnectionId()).orElse(null), job.destPath()),
        JobRules.Sub.ofRows(owners));
    if (!problems.isEmpty()) {
      throw new io.javalin.http.ForbiddenResponse(
          "the job cannot run: " + String.join("; ", problems) + ". Nothing was started");
    }
  }

  /**
   * The wait before an owner's first automatic rerun, in seconds (doubling for each next): the
   * system property {@code ferry.rerunBackoffSeconds} or the variable {@code
   * FERRY_RERUN_BACKOFF_SECONDS} (tests use a second), else null for the workflow's default (60).
   */
  static Integer rerunBackoffSeconds() {
    String v =
        System.getProperty(
            "ferry.rerunBackoffSeconds", System.getenv("FERRY_RERUN_BACKOFF_SECONDS"));
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      return Math.max(1, Integer.parseInt(v.trim()));
    } catch (NumberFormatException e) {
      log.warn(
          "FERRY_RERUN_BACKOFF_SECONDS '{}' is not a number of seconds: the default is used", v);
      return null;
    }
  }

  /** Names only: connection names and paths, never settings or secrets. */
  String summary(JobSpecRow job) {
    String src = s.connections.find(job.sourceConnectionId()).map(ConnectionRow::name).orElse("?");
    String dst = s.connections.find(job.destConnectionId()).map(ConnectionRow::name).orElse("?");
    String client =
        job.clientId() == null
            ? ""
            : s.clients.find(job.clientId()).map(c -> " of client " + c.name()).orElse("");
    return "Ferry job "
        + job.name()
        + client
        + ": "
        + src
        + ":/"
        + job.sourcePath()
        + " → "
        + dst
        + ":/"
        + job.destPath();
  }

  /** The actions an operator can take on a running job. */
  enum Action {
    PAUSE,
    RESUME,
    CANCEL;

    String update() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Applies {@code action} to the job's latest run, on its {@link JobRunWorkflow}: pause and resume
   * are its Updates (which reach every running owner by signal), cancel is Temporal's cancellation
   * of it (which cancels its owners). 409 with the workflow's (validator's) reason when the step
   * does not apply, or when the run has ended.
   */
  JobRunRow control(JobSpecRow job, Action action) {
    JobRunRow run =
        s.jobRuns
            .latest(job.id())
            .orElseThrow(() -> new ConflictResponse("the job has no run to " + action.update()));
    boolean unfinished =
        s.jobRuns.ownerRuns(run.id()).stream().anyMatch(o -> o.run().finishedAt() == null);
    if (!unfinished) {
      throw new ConflictResponse(
          "cannot " + action.update() + " a run that is " + run.state().toLowerCase(Locale.ROOT));
    }
    String id = parentWorkflowId(job.id().toString(), run.id());
    WorkflowStub stub = client.newUntypedWorkflowStub(id);
    try {
      if (action == Action.CANCEL) {
        stub.cancel(); // Temporal's own cancellation: the run and its owners end CANCELED
      } else {
        stub.update(action.update(), JobRunStatus.class);
      }
    } catch (WorkflowNotFoundException e) {
      throw notFound(action.update(), id);
    } catch (WorkflowException e) {
      throw new ConflictResponse(message(e));
    }
    return s.jobRuns.find(job.id(), run.id()).orElseThrow();
  }

  /**
   * New job-wide limits for {@code run} of {@code job}: the {@code setLimits} Update of its {@link
   * JobRunWorkflow}, which shares them among the owners running (by signal, within seconds) and
   * gives them to the owners it starts later. A value left null keeps the one in force. Returns the
   * limits in force afterwards; 409 with the workflow's (validator's) reason when the run has ended
   * or the Update does not apply.
   */
  Limits setLimits(JobSpecRow job, JobRunRow run, Integer concurrency, Double bwlimitMbps) {
    boolean unfinished =
        s.jobRuns.ownerRuns(run.id()).stream().anyMatch(o -> o.run().finishedAt() == null);
    if (!unfinished) {
      throw new ConflictResponse(
          "cannot change the limits of a run that is " + run.state().toLowerCase(Locale.ROOT));
    }
    String id = parentWorkflowId(job.id().toString(), run.id());
    WorkflowStub stub = client.newUntypedWorkflowStub(id);
    try {
      Limits now = stub.query("limits", Limits.class);
      double bw = bwlimitMbps != null ? bwlimitMbps : now.bwlimitMbps();
      Limits next =
          new Limits(
              concurrency != null ? concurrency : now.concurrency(),
              bw,
              bw > 0 ? now.fullSpeedWindow() : null); // a window only lifts a cap
      return stub.update("setLimits", Limits.class, next);
    } catch (WorkflowNotFoundException e) {
      throw notFound("change the limits of", id);
    } catch (WorkflowException e) {
      throw new ConflictResponse(message(e));
    }
  }

  /**
   * The 409 for a run the catalog has as not ended whose parent workflow takes no Update: it has
   * just ended, or Temporal does not know it at all — the run was started through a server of the
   * same database on another Temporal service (a server without TEMPORAL_ADDRESS runs a dev server
   * of its own), or before job runs were workflows.
   */
  private ConflictResponse notFound(String what, String workflowId) {
    String ns = client.getOptions().getNamespace();
    try {
      client
          .getWorkflowServiceStubs()
          .blockingStub()
          .describeWorkflowExecution(
              DescribeWorkflowExecutionRequest.newBuilder()
                  .setNamespace(ns)
                  .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                  .build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return new ConflictResponse(
            "cannot "
                + what
                + " this run: its workflow "
                + workflowId
                + " is not on this server's Temporal service (namespace "
                + ns
                + "). Every ferry server of one database must use the same Temporal service"
                + " (TEMPORAL_ADDRESS): steer the run through the server that started it, or give"
                + " this one its TEMPORAL_ADDRESS. (A run started before job runs were workflows"
                + " cannot be steered.)");
      }
    }
    return new ConflictResponse("cannot " + what + " a run that has ended");
  }

  /** The workflow id of a job run's parent workflow. */
  static String parentWorkflowId(String jobId, long jobRunId) {
    return JobRunWorkflow.workflowId(jobId, jobRunId);
  }

  /** The innermost failure's own message: the validator's words. */
  static String message(Throwable e) {
    String m = e.getMessage();
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ApplicationFailure af) {
        m = af.getOriginalMessage();
      } else if (c instanceof TemporalFailure tf && m == null) {
        m = tf.getOriginalMessage();
      }
    }
    return m;
  }

  /**
   * Workflow ids of every owner run of a job run that a workflow took up (the children of the job
   * run's {@link JobRunWorkflow}; for history inspection and tests).
   */
  List<String> workflowIds(long jobRunId) {
    return s.jobRuns.ownerRuns(jobRunId).stream()
        .map(o -> o.run().workflowId())
        .filter(java.util.Objects::nonNull)
        .toList();
  }
}
