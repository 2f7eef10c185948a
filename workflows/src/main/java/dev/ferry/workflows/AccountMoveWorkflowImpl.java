package dev.ferry.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One account's move (see {@link AccountMoveWorkflow}). Each attempt: freeze → files (a child
 * {@link JobRunWorkflow} of the account's owner, prepared by {@link TransitActivities#prepareCopy})
 * → each database ({@link DatabaseActivities#moveDatabase}, not retried by Temporal: the attempt
 * is) → route → unfreeze. Nothing after a failed step runs but the unfreeze, so the routing never
 * points at a server that lacks the account's files or one of its databases.
 */
public final class AccountMoveWorkflowImpl implements AccountMoveWorkflow {
  static final long GB = 1_000_000_000L;

  private static final RetryOptions RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setMaximumInterval(Duration.ofSeconds(30))
          .setMaximumAttempts(10)
          .setDoNotRetry(MigrationActivities.CONFIG_ERROR, CutoverWorkflowImpl.CUTOVER_REFUSED)
          .build();

  private static final ActivityOptions SERVER =
      ActivityOptions.newBuilder()
          .setTaskQueue(CutoverWorkflow.SERVER_QUEUE)
          .setStartToCloseTimeout(Duration.ofMinutes(10))
          .setHeartbeatTimeout(MigrationWorkflowImpl.KEEPALIVE_TIMEOUT)
          .setRetryOptions(RETRY)
          .build();

  // a hook runs at most once per call: never retried by Temporal
  private static final ActivityOptions HOOK =
      ActivityOptions.newBuilder()
          .setTaskQueue(CutoverWorkflow.SERVER_QUEUE)
          .setStartToCloseTimeout(Duration.ofMinutes(15))
          .setHeartbeatTimeout(MigrationWorkflowImpl.KEEPALIVE_TIMEOUT)
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
          .build();

  private final TransitActivities server =
      Workflow.newActivityStub(TransitActivities.class, SERVER);
  private final DatabaseActivities sizes =
      Workflow.newActivityStub(
          DatabaseActivities.class,
          ActivityOptions.newBuilder(SERVER).setSummary("database size").build());
  private final DatabaseActivities mover =
      Workflow.newActivityStub(
          DatabaseActivities.class,
          ActivityOptions.newBuilder()
              .setTaskQueue(CutoverWorkflow.SERVER_QUEUE)
              .setStartToCloseTimeout(Duration.ofHours(24))
              .setHeartbeatTimeout(MigrationWorkflowImpl.KEEPALIVE_TIMEOUT)
              .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
              .build());

  private String progress = "starting";

  @Override
  public String progress() {
    return progress;
  }

  private void show(String line) {
    progress = line;
    Workflow.setCurrentDetails("**account " + account + " → " + to + "**  \n" + line);
  }

  private String account;
  private String to;

  @Override
  public Result run(Input in) {
    account = in.account();
    to = in.to();
    if (in.labels() != null) {
      FerryAttributes.upsertAll(in.labels(), "moving");
    }
    long started = Workflow.currentTimeMillis();
    long bytes = 0;
    for (DatabaseActivities.DatabaseRef d : in.measure()) {
      bytes += sizes.databaseSize(d);
    }
    long expected = expectedSeconds(bytes);
    List<String> problems = new ArrayList<>();
    Attempt last = null;
    for (int attempt = 1; attempt <= Math.max(1, in.maxAttempts()); attempt++) {
      show(
          "attempt "
              + attempt
              + " of "
              + in.maxAttempts()
              + "; expected unavailability "
              + expected
              + " s ("
              + Progress.bytes(bytes)
              + " of databases)");
      last = attempt(in, attempt);
      if (last.problem == null) {
        show("moved in " + last.seconds + " s of unavailability (expected " + expected + " s)");
        if (in.labels() != null) {
          FerryAttributes.upsertPhase("moved");
        }
        return new Result(
            true,
            attempt,
            started,
            Workflow.currentTimeMillis(),
            bytes,
            expected,
            last.seconds,
            last.files,
            last.bytes,
            last.tables,
            problems,
            last.note);
      }
      problems.add("attempt " + attempt + ": " + last.problem);
      if (attempt < in.maxAttempts()) {
        long wait = (long) Math.max(1, in.retrySeconds()) << (attempt - 1);
        show("attempt " + attempt + " failed (" + last.problem + "); retry in " + wait + " s");
        Workflow.sleep(Duration.ofSeconds(wait));
      }
    }
    show("gave up after " + in.maxAttempts() + " attempts: " + last.problem);
    if (in.labels() != null) {
      FerryAttributes.upsertPhase("failed");
    }
    return new Result(
        false,
        in.maxAttempts(),
        started,
        Workflow.currentTimeMillis(),
        bytes,
        expected,
        last.seconds,
        last.files,
        last.bytes,
        last.tables,
        problems,
        last.note);
  }

  /** A minute per GB of databases, a minute at least when it has any. */
  static long expectedSeconds(long bytes) {
    return bytes == 0 ? 0 : Math.max(60, (bytes * 60 + GB - 1) / GB);
  }

  private static final class Attempt {
    String problem;
    String note;
    long seconds;
    long files;
    long bytes;
    int tables;
  }

  private Attempt attempt(Input in, int n) {
    Attempt a = new Attempt();
    long frozenAt = Workflow.currentTimeMillis();
    if (in.hooks()) {
      CutoverActivities.HookResult f = hook(in, TransitActivities.FREEZE, null);
      if (!f.ok()) {
        a.problem = "the freeze hook failed: " + f.outcome();
        unfreeze(in, a, false);
        a.seconds = seconds(frozenAt);
        return a;
      }
      frozenAt = Workflow.currentTimeMillis();
    }
    a.problem = files(in, a);
    for (int i = 0; a.problem == null && i < in.databases().size(); i++) {
      DatabaseActivities.MoveRequest m = in.databases().get(i);
      show("database " + m.from().database() + " → " + m.to().database());
      try {
        DatabaseActivities.MoveResult r = mover.moveDatabase(m);
        if (r.ok()) {
          a.tables += r.tables().size();
        } else {
          a.problem = "database " + m.from().database() + ": " + r.problem();
        }
      } catch (ActivityFailure e) {
        a.problem = "database " + m.from().database() + ": " + why(e);
      }
    }
    boolean routed = false;
    if (a.problem == null && in.hooks()) {
      CutoverActivities.HookResult r = hook(in, TransitActivities.ROUTE, in.to());
      if (r.ok()) {
        routed = true;
      } else {
        a.problem = "the routing hook failed: " + r.outcome();
      }
    }
    if (in.hooks()) {
      unfreeze(in, a, routed);
    }
    a.seconds = seconds(frozenAt);
    return a;
  }

  private long seconds(long since) {
    return (Workflow.currentTimeMillis() - since) / 1000;
  }

  private void unfreeze(Input in, Attempt a, boolean routed) {
    CutoverActivities.HookResult u = hook(in, TransitActivities.UNFREEZE, null);
    if (!u.ok()) {
      a.note =
          "the unfreeze hook failed ("
              + u.outcome()
              + "): the account may still refuse writes "
              + (routed ? "on its new server" : "on its old server")
              + "; unfreeze it by hand";
    }
  }

  private CutoverActivities.HookResult hook(Input in, String hook, String target) {
    try {
      CutoverActivities.HookResult r =
          Workflow.newActivityStub(
                  TransitActivities.class,
                  ActivityOptions.newBuilder(HOOK).setSummary(hook).build())
              .runHook(new TransitActivities.HookCall(in.transitId(), hook, in.account(), target));
      return r.ran() ? r : new CutoverActivities.HookResult(false, true, null);
    } catch (ActivityFailure e) {
      return new CutoverActivities.HookResult(true, false, why(e));
    }
  }

  /** The account's final incremental copy of files, or null for none; the problem, or null. */
  private String files(Input in, Attempt a) {
    if (in.filesDirection() == null) {
      return null;
    }
    show("files: final incremental copy");
    JobRunInput run;
    try {
      run =
          server.prepareCopy(
              new TransitActivities.CopyRequest(in.transitId(), in.filesDirection(), in.account()));
    } catch (ActivityFailure e) {
      return "its files could not be copied: " + why(e);
    }
    ChildWorkflowOptions.Builder o =
        ChildWorkflowOptions.newBuilder()
            .setWorkflowId(JobRunWorkflow.workflowId(run.jobId(), run.jobRunId()))
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL);
    if (run.summary() != null) {
      o.setStaticSummary(run.summary() + " (" + run.mode() + ") — account " + in.account());
    }
    if (run.labels() != null) {
      o.setTypedSearchAttributes(
          FerryAttributes.atStart(run.labels(), FerryAttributes.phase(JobState.RUNNING)));
    }
    String failure = null;
    try {
      Workflow.newChildWorkflowStub(JobRunWorkflow.class, o.build()).run(run);
    } catch (TemporalFailure e) {
      failure = why(e);
    }
    CutoverActivities.RoundFigures f =
        server.copyFigures(new CutoverActivities.RoundRef(run.jobRunId()));
    a.files = f.filesCopied();
    a.bytes = f.bytesCopied();
    if (failure != null || "FAILED".equals(f.state()) || "CANCELLED".equals(f.state())) {
      return "its files' copy (run " + run.jobRunId() + ") ended " + f.state() + why(failure);
    }
    if (f.filesFailed() > 0) {
      return f.filesFailed()
          + " of its files failed to copy (run "
          + run.jobRunId()
          + " lists them)";
    }
    return null;
  }

  private static String why(String failure) {
    return failure == null ? "" : ": " + failure;
  }

  static String why(Throwable t) {
    String m = t.getMessage();
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ApplicationFailure af) {
        m = af.getOriginalMessage();
      } else if (c instanceof TemporalFailure tf && tf.getOriginalMessage() != null) {
        m = tf.getOriginalMessage();
      }
    }
    return m;
  }
}
