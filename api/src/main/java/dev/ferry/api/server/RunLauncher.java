package dev.ferry.api.server;

import dev.ferry.activities.catalog.AgentRow;
import dev.ferry.activities.catalog.ConnectionRow;
import dev.ferry.activities.catalog.JobRunRow;
import dev.ferry.activities.catalog.JobRuns;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.activities.catalog.OwnerRow;
import dev.ferry.activities.catalog.OwnerRunRow;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.workflows.MigrationInput;
import dev.ferry.workflows.MigrationWorkflow;
import dev.ferry.workflows.Progress;
import dev.ferry.workflows.RunMode;
import io.javalin.http.ConflictResponse;
import io.javalin.http.ServiceUnavailableResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and steers job runs on Temporal, the way {@code ferry migrate} does: one catalog run and
 * one {@link MigrationWorkflow} per owner, started with a {@link MigrationInput} that names the
 * owner and run (never a path list, never a secret) and, for a job with an agent, the agent's task
 * queue for the activities that touch the storage. Pause, resume and cancel are the workflow's
 * Updates, sent to every owner's workflow that has not ended; their validators' refusals come back
 * as 409. Knows nothing about HTTP but its response exceptions.
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
   * Starts a run of {@code job}: one catalog run per owner, and the first owners' workflows (see
   * {@link OwnerDispatcher}); 409 when the job has a run that has not ended.
   */
  JobRunRow start(JobSpecRow job, RunMode mode) {
    List<OwnerRow> owners = s.jobs.owners(job.id());
    JobOptions options = JobOptions.fromJson(job.options());
    RunOptions runOptions = options.toRunOptions(Instant.now());
    String queue = job.agentId() == null ? null : AgentRow.taskQueue(job.agentId());
    JobRuns.Created created =
        s.jobRuns
            .create(job.id(), mode, owners, runOptions, options.concurrency(), queue)
            .orElseThrow(
                () ->
                    new ConflictResponse(
                        "the job has a run that has not ended; pause, resume or cancel it first"));
    try {
      s.dispatcher.dispatch(created.jobRunId());
    } catch (RuntimeException e) {
      log.error("cannot start run {} of job {}", created.jobRunId(), job.id(), e);
      s.jobRuns.failUnstarted(created.jobRunId(), "could not start: " + e.getMessage());
      throw new ServiceUnavailableResponse(
          "Temporal did not accept the run ("
              + e.getMessage()
              + "); owners not started are failed");
    }
    return s.jobRuns.find(job.id(), created.jobRunId()).orElseThrow();
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
   * Applies {@code action} to the job's latest run: recorded on the job run (so owners not started
   * yet follow it) and sent as the workflow Update to every owner's workflow that has not ended.
   * 409 with the workflow's (validator's) message when the run has ended or no workflow accepted.
   */
  JobRunRow control(JobSpecRow job, Action action) {
    JobRunRow run =
        s.jobRuns
            .latest(job.id())
            .orElseThrow(() -> new ConflictResponse("the job has no run to " + action.update()));
    JobRuns.Control c = s.jobRuns.control(run.id()).orElseThrow();
    List<OwnerRunRow> unfinished =
        s.jobRuns.ownerRuns(run.id()).stream().filter(o -> o.run().finishedAt() == null).toList();
    if (unfinished.isEmpty()) {
      throw new ConflictResponse(
          "cannot " + action.update() + " a run that is " + run.state().toLowerCase(Locale.ROOT));
    }
    if (c.cancelled()) {
      throw new ConflictResponse("cannot " + action.update() + " a run that is being cancelled");
    }
    switch (action) {
      case PAUSE -> s.jobRuns.setPaused(run.id(), true);
      case RESUME -> s.jobRuns.setPaused(run.id(), false);
      case CANCEL -> s.jobRuns.cancel(run.id());
    }
    List<String> refusals = new ArrayList<>();
    int accepted = 0;
    boolean pending = false;
    for (OwnerRunRow o : unfinished) {
      if (o.run().workflowId() == null) {
        pending = true;
        continue;
      }
      try {
        WorkflowStub stub = client.newUntypedWorkflowStub(o.run().workflowId());
        if (action == Action.CANCEL) {
          stub.cancel(); // Temporal's own cancellation: the workflow ends CANCELED
        } else {
          stub.update(action.update(), Progress.class);
        }
        accepted++;
      } catch (WorkflowUpdateException e) {
        refusals.add(message(e));
      } catch (WorkflowNotFoundException e) {
        refusals.add("cannot " + action.update() + " a run that has ended");
      } catch (WorkflowException e) {
        refusals.add(message(e));
      }
    }
    if (accepted == 0 && !pending && !refusals.isEmpty()) {
      throw new ConflictResponse(refusals.getFirst());
    }
    if (action == Action.RESUME) {
      s.dispatcher.dispatch(run.id());
    }
    return s.jobRuns.find(job.id(), run.id()).orElseThrow();
  }

  /** The innermost failure's own message: the validator's words. */
  private static String message(Throwable e) {
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

  /** Workflow ids of every owner run of a job run (for history inspection and tests). */
  List<String> workflowIds(long jobRunId) {
    return s.jobRuns.ownerRuns(jobRunId).stream()
        .map(o -> o.run().workflowId())
        .filter(java.util.Objects::nonNull)
        .toList();
  }
}
