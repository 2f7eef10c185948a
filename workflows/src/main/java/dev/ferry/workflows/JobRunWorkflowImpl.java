package dev.ferry.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowCancellationType;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The sliding window of owners (the pattern of temporalio/samples-java {@code
 * batch/slidingwindow}): owners are paged from the catalog, at most {@code maxParallel} child
 * workflows run at once, each reports its end by the {@link JobRunWorkflow#ownerDone} signal and
 * the next starts. Children are started with {@link ParentClosePolicy#PARENT_CLOSE_POLICY_ABANDON}
 * so they keep running when this workflow continues as new (after {@link #STARTS_PER_EXECUTION}
 * starts, or when Temporal suggests it) — the set of running owners is carried over and their
 * signals reach the new execution. About ten events per owner, so an execution stays far below
 * 10,000 events whatever the number of owners.
 *
 * <p>A report that never comes (a child terminated by hand, a signal lost) does not hold the
 * window: after {@link #CHECK_AFTER} without news the parent asks Temporal which children have
 * closed ({@link JobRunActivities#endedOwners}).
 *
 * <p>Limits: the job's concurrency and bandwidth (the lower of the job's cap and the project's
 * schedule now) are split evenly among the owners running ({@link #share}); when that share
 * changes, every running owner gets it by signal. The schedule's next boundary is a durable timer.
 *
 * <p>Reruns: an owner that fails as a whole (its workflow ends FAILED: a scan or batch that failed
 * after its retries, a crash, a timeout) is started again after a backoff ({@link
 * JobRunInput#rerunBackoff}: 1, 2, 4 minutes by default, a durable timer), incrementally (a dry
 * run's rerun is a dry run), up to {@link #MAX_RERUNS} times; then it stays failed. A failure a
 * rerun cannot fix ({@link MigrationActivities#CONFIG_ERROR}, {@link
 * MigrationActivities#ACCESS_DENIED}, {@link MigrationActivities#NOT_FOUND}, a workflow terminated
 * by hand) fails the owner at once. Each rerun is recorded in the catalog ({@link
 * JobRunActivities#recordRerun}) when it is decided; the owner does not hold a window slot while it
 * waits, and the waiting owners are carried over continue-as-new. Behind {@code
 * Workflow.getVersion("owner-reruns")}, asked only when an owner fails.
 */
public final class JobRunWorkflowImpl implements JobRunWorkflow {
  static final int STARTS_PER_EXECUTION = 250;
  static final int PAGE = 100;
  static final Duration CHECK_AFTER = Duration.ofMinutes(1);

  /** Automatic reruns of an owner that fails as a whole, before it stays failed. */
  public static final int MAX_RERUNS = 3;

  /** The failure type this workflow gives an owner's workflow terminated by hand. */
  public static final String TERMINATED = "Terminated";

  private static final Logger log = Workflow.getLogger(JobRunWorkflowImpl.class);

  private final JobRunActivities catalog =
      Workflow.newActivityStub(
          JobRunActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(2))
              .setHeartbeatTimeout(MigrationWorkflowImpl.KEEPALIVE_TIMEOUT)
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setInitialInterval(Duration.ofSeconds(1))
                      .setMaximumInterval(Duration.ofSeconds(30))
                      .build())
              .build());

  private JobRunInput input;
  private Limits limits;
  private Limits share;
  private boolean paused;
  private boolean cancelling;
  private boolean capChanged;
  private long cursor;
  private boolean exhausted;
  private int started;
  private JobRunStatus tally = JobRunStatus.empty();
  private final Deque<OwnerRef> pending = new ArrayDeque<>();
  private final Map<Long, OwnerRef> running = new LinkedHashMap<>();
  // the results of the owners started by this execution, until they have closed
  private final Map<Long, Promise<Progress>> closing = new LinkedHashMap<>();
  // whether each owner started by this execution has started (its start may still be in flight)
  private final Map<Long, Promise<io.temporal.api.common.v1.WorkflowExecution>> starts =
      new LinkedHashMap<>();
  // owners whose workflow ended FAILED, to be rerun or counted failed by the main loop
  private final Deque<Failed> failures = new ArrayDeque<>();
  // owners waiting for their rerun's timer, and those whose timer has fired
  private final List<JobRunInput.Waiting> waiting = new ArrayList<>();
  private final Deque<OwnerRef> due = new ArrayDeque<>();
  private Boolean reruns;

  private record Failed(OwnerRef owner, String reason, String type) {}

  /**
   * Takes over what the previous execution handed over before any handler runs: the Java SDK runs
   * the signals delivered in an execution's first workflow task before the workflow method, so an
   * owner's {@code ownerDone} that reached this execution before it started (an owner ending while
   * the previous one continued as new) must find the running owners already there, or the report is
   * dropped and the owner holds its slot until {@link #CHECK_AFTER}.
   */
  @WorkflowInit
  public JobRunWorkflowImpl(JobRunInput in) {
    input = in;
    limits = in.limits();
    if (in.carried() != null) {
      JobRunInput.Carried c = in.carried();
      cursor = c.cursor();
      pending.addAll(c.pending());
      c.running().forEach(o -> running.put(o.runId(), o));
      share = c.share();
      paused = c.paused();
      tally = c.tally();
      started = c.tally().started();
      if (c.waiting() != null) {
        waiting.addAll(c.waiting());
      }
    }
  }

  @Override
  public JobRunStatus run(JobRunInput in) {
    int executions = in.carried() == null ? 0 : in.carried().executions() + 1;
    try {
      return orchestrate(executions);
    } catch (CanceledFailure e) {
      Workflow.newDetachedCancellationScope(this::cancelAll).run();
      throw e;
    }
  }

  private JobRunStatus orchestrate(int executions) {
    int startedHere = 0;
    armScheduleTimer();
    List.copyOf(waiting).forEach(this::armRerun);
    while (true) {
      handleFailures();
      while (!due.isEmpty()) {
        pending.addFirst(due.pollLast());
      }
      int window = Math.max(1, input.maxParallel());
      if (!paused && running.size() < window && pending.size() < window && !exhausted) {
        List<OwnerRef> page =
            catalog.nextOwners(new JobRunActivities.OwnerPage(input.jobRunId(), cursor, PAGE));
        if (page.isEmpty()) {
          exhausted = true;
        } else {
          pending.addAll(page);
          cursor = page.getLast().runId();
        }
      }
      int toStart = paused ? 0 : Math.min(pending.size(), Math.max(0, window - running.size()));
      int sharedFor = Math.max(1, running.size() + toStart);
      Limits next = share(limits, cap(), sharedFor);
      List<Runnable> awaitStarts = new ArrayList<>();
      for (int i = 0; i < toStart; i++) {
        awaitStarts.add(start(pending.poll(), next));
        startedHere++;
      }
      awaitStarts.forEach(Runnable::run);
      reshare(next);
      if (running.isEmpty() && pending.isEmpty() && exhausted && waitingNone()) {
        awaitClosing();
        tell(NotifyActivities.RUN_ENDED, null, null, null); // the server reads how it ended
        if (input.labels() != null) {
          FerryAttributes.upsertPhase(FerryAttributes.phase(JobState.COMPLETED));
        }
        return status();
      }
      if (startedHere >= STARTS_PER_EXECUTION || Workflow.getInfo().isContinueAsNewSuggested()) {
        awaitClosing();
        Workflow.await(Workflow::isEveryHandlerFinished);
        handleFailures(); // recorded before handing over; nothing below yields
        while (!due.isEmpty()) {
          pending.addFirst(due.pollLast());
        }
        JobRunWorkflow again = Workflow.newContinueAsNewStub(JobRunWorkflow.class);
        again.run(
            new JobRunInput(
                input.jobId(),
                input.jobRunId(),
                input.mode(),
                limits,
                input.maxParallel(),
                input.schedule(),
                input.dataTaskQueue(),
                input.retries(),
                new JobRunInput.Carried(
                    cursor,
                    List.copyOf(pending),
                    List.copyOf(running.values()),
                    share,
                    paused,
                    tally.with(0, started, paused),
                    executions,
                    waiting.isEmpty() ? null : List.copyOf(waiting)),
                input.summary(),
                input.labels(),
                input.rerunBackoffSeconds(),
                input.notifyWebhooks(),
                input.maxReruns()));
        return status();
      }
      // Owners may have ended while others started: wait only when there is nothing to do now.
      boolean wasPaused = paused;
      Limits had = limits;
      boolean woke =
          Workflow.await(
              CHECK_AFTER,
              () ->
                  capChanged
                      || !failures.isEmpty()
                      || !due.isEmpty()
                      || paused != wasPaused
                      || !limits.equals(had)
                      || (!paused && running.size() < window && (!pending.isEmpty() || !exhausted))
                      || (running.isEmpty() && pending.isEmpty() && exhausted && waitingNone())
                      || (!running.isEmpty() && running.size() != sharedFor));
      if (!woke && !running.isEmpty()) {
        // no owner reported for a while: ask Temporal which have closed (a report may be lost)
        for (OwnerDone d :
            catalog.endedOwners(
                new JobRunActivities.Owners(
                    input.jobId(), input.jobRunId(), List.copyOf(running.values())))) {
          ownerDone(d);
        }
      }
      if (capChanged) {
        capChanged = false;
        armScheduleTimer();
      }
    }
  }

  /**
   * Before this execution closes (completes or continues as new): waits, a minute at most, for the
   * owners that reported their end to have closed too, so that no owner's close reaches a parent
   * already gone. Owners still running are handed over as they are.
   */
  private void awaitClosing() {
    closing.values().removeIf(Promise::isCompleted);
    List<Promise<Progress>> ended = new ArrayList<>();
    closing.forEach(
        (runId, p) -> {
          if (!running.containsKey(runId)) {
            ended.add(p);
          }
        });
    if (ended.isEmpty()
        || Workflow.getVersion("await-closing-owners", Workflow.DEFAULT_VERSION, 1)
            == Workflow.DEFAULT_VERSION) {
      return;
    }
    Workflow.await(CHECK_AFTER, () -> ended.stream().allMatch(Promise::isCompleted));
  }

  /** A durable timer to the schedule's next boundary, when the job has a schedule. */
  private void armScheduleTimer() {
    if (input.schedule() == null) {
      return;
    }
    Instant now = Instant.ofEpochMilli(Workflow.currentTimeMillis());
    Instant next = input.schedule().nextBoundary(now);
    if (next == null) {
      return;
    }
    // a second past the boundary, so the cap computed then is the new one
    Workflow.newTimer(Duration.between(now, next).plusSeconds(1))
        .thenApply(
            v -> {
              capChanged = true;
              return v;
            });
  }

  /** The job's bandwidth cap now: the lower of its own and the schedule's, 0 for none. */
  private double cap() {
    double own = limits.bwlimitMbps();
    if (input.schedule() == null) {
      return own;
    }
    Double s = input.schedule().capAt(Instant.ofEpochMilli(Workflow.currentTimeMillis()));
    if (s == null) {
      return own;
    }
    return own > 0 ? Math.min(own, s) : s;
  }

  /** The job's limits split among {@code running} owners (each at least one stream). */
  public static Limits share(Limits job, double bwlimitMbps, int running) {
    double bw = bwlimitMbps <= 0 ? 0 : bwlimitMbps / running;
    return new Limits(
        Math.max(1, job.concurrency() / running), bw, bw > 0 ? job.fullSpeedWindow() : null);
  }

  /** Starts an owner's workflow; returns what waits until Temporal has started it. */
  private Runnable start(OwnerRef o, Limits l) {
    String id = JobRunWorkflow.ownerWorkflowId(input.jobId(), input.jobRunId(), o);
    Labels jr = input.labels();
    Labels labels =
        jr == null
            ? null
            : new Labels(
                jr.jobId(),
                jr.runId(),
                jr.clientId(),
                jr.projectId(),
                o.ownerId(),
                jr.agentId(),
                FerryAttributes.KIND_OWNER);
    ChildWorkflowOptions.Builder options =
        ChildWorkflowOptions.newBuilder()
            .setWorkflowId(id)
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
            .setCancellationType(ChildWorkflowCancellationType.ABANDON);
    if (input.summary() != null) {
      options.setStaticSummary(
          input.summary()
              + (o.name() == null ? "" : " — owner " + o.name())
              + " ("
              + mode(o)
              + (o.rerun() == 0 ? "" : ", rerun " + o.rerun() + " of " + input.maxRerunsOrDefault())
              + ")");
    }
    if (labels != null) {
      options.setTypedSearchAttributes(
          FerryAttributes.atStart(labels, FerryAttributes.phase(JobState.CREATED)));
    }
    MigrationWorkflow child =
        Workflow.newChildWorkflowStub(MigrationWorkflow.class, options.build());
    running.put(o.runId(), o);
    if (o.rerun() == 0) {
      started++;
    }
    Promise<Progress> result =
        Async.function(
            child::run,
            new MigrationInput(
                o.ownerId(),
                o.runId(),
                mode(o),
                l,
                null,
                input.dataTaskQueue(),
                input.retries(),
                labels,
                rerunsOn() ? input.maxRerunsOrDefault() - o.rerun() : null));
    closing.put(o.runId(), result);
    // A child that closes without reporting (terminated, timed out) still frees its slot.
    result.handle(
        (p, failure) -> {
          if (failure instanceof CanceledFailure) {
            return null; // this workflow is being cancelled: cancelAll() cancels the owner
          }
          if (o.equals(running.get(o.runId()))) {
            running.remove(o.runId());
            if (failure == null) {
              ended(o, p.state(), null, null);
            } else {
              ended(o, ended(failure), reason(failure), type(failure));
            }
          }
          return null;
        });
    Promise<io.temporal.api.common.v1.WorkflowExecution> execution =
        Workflow.getWorkflowExecution(child);
    starts.put(o.runId(), execution);
    return () -> {
      try {
        execution.get();
      } catch (CanceledFailure e) {
        throw e;
      } catch (RuntimeException e) {
        // not started (an id in use): it will not report
        log.warn("owner {} of job run {} did not start: {}", o.ownerId(), input.jobRunId(), e);
        if (o.equals(running.get(o.runId()))) {
          running.remove(o.runId());
          tally = tally.ended(JobState.FAILED);
        }
      }
    };
  }

  /** An owner's attempt ended: counted, or (failed) left to the main loop to rerun. */
  private void ended(OwnerRef o, JobState state, String reason, String type) {
    if (state == JobState.FAILED && !cancelling) {
      failures.add(new Failed(o, reason, type));
    } else {
      tally = tally.ended(state);
    }
  }

  private boolean waitingNone() {
    return waiting.isEmpty() && due.isEmpty() && failures.isEmpty();
  }

  /** A dry run's rerun is a dry run; any other rerun is incremental. */
  private RunMode mode(OwnerRef o) {
    if (o.rerun() == 0 || input.mode() == RunMode.DRY_RUN) {
      return input.mode();
    }
    return RunMode.INCREMENTAL;
  }

  /** Whether a failure of this type may go away by running the owner again. */
  static boolean rerunnable(String type) {
    return !MigrationActivities.CONFIG_ERROR.equals(type)
        && !MigrationActivities.ACCESS_DENIED.equals(type)
        && !MigrationActivities.NOT_FOUND.equals(type)
        && !TERMINATED.equals(type);
  }

  /**
   * Owners that failed: each is rerun after its backoff (recorded in the catalog first) while it
   * has reruns left and its failure may go away, else counted failed.
   */
  private void handleFailures() {
    while (!failures.isEmpty()) {
      Failed f = failures.poll();
      if (cancelling
          || f.owner().rerun() >= input.maxRerunsOrDefault()
          || !rerunnable(f.type())
          || !rerunsOn()) {
        tally = tally.ended(JobState.FAILED);
        if (!cancelling) {
          tell(NotifyActivities.OWNER_FAILED, f.owner().ownerId(), "FAILED", f.reason());
        }
        continue;
      }
      OwnerRef next = f.owner().again();
      long now = Workflow.currentTimeMillis();
      long dueAt = now + input.rerunBackoff(next.rerun()).toMillis();
      catalog.recordRerun(
          new JobRunActivities.Rerun(
              input.jobRunId(),
              next.runId(),
              next.rerun() + 1,
              f.reason() == null ? "the owner's workflow failed" : f.reason(),
              now,
              dueAt,
              mode(next)));
      tally = tally.rerun();
      JobRunInput.Waiting w = new JobRunInput.Waiting(next, dueAt);
      waiting.add(w);
      armRerun(w);
    }
  }

  /**
   * Tells the client's webhooks (API runs only: {@link JobRunInput#notify}); a notice is recorded
   * by the server, which delivers it on its own, so a webhook never holds the run up.
   */
  private void tell(String event, String ownerId, String state, String detail) {
    if (!Boolean.TRUE.equals(input.notifyWebhooks())
        || Workflow.getVersion("notify", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return;
    }
    try {
      notifier.tell(
          new NotifyActivities.Notice(
              event, input.jobId(), input.jobRunId(), ownerId, state, detail));
    } catch (io.temporal.failure.ActivityFailure e) {
      log.warn("the notice {} of job run {} was not recorded: {}", event, input.jobRunId(), e);
    }
  }

  private final NotifyActivities notifier =
      Workflow.newActivityStub(
          NotifyActivities.class,
          ActivityOptions.newBuilder()
              .setTaskQueue(CutoverWorkflow.SERVER_QUEUE)
              .setStartToCloseTimeout(Duration.ofMinutes(1))
              .setScheduleToCloseTimeout(Duration.ofMinutes(10))
              .build());

  private boolean rerunsOn() {
    if (reruns == null) {
      reruns = Workflow.getVersion("owner-reruns", Workflow.DEFAULT_VERSION, 1) == 1;
    }
    return reruns;
  }

  /** A durable timer to a waiting owner's rerun; when it fires, the owner is due to start. */
  private void armRerun(JobRunInput.Waiting w) {
    long wait = w.dueAtMillis() - Workflow.currentTimeMillis();
    Workflow.newTimer(Duration.ofMillis(Math.max(1, wait)))
        .thenApply(
            v -> {
              if (waiting.remove(w) && !cancelling) {
                due.add(w.owner());
              }
              return v;
            });
  }

  /** The message of the failure behind an owner's end, for the rerun's record. */
  private static String reason(Throwable failure) {
    Throwable c = failure;
    while (c instanceof io.temporal.failure.ChildWorkflowFailure && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof io.temporal.failure.TemporalFailure tf) {
      return c instanceof io.temporal.failure.TimeoutFailure
          ? "the owner's workflow timed out"
          : c instanceof io.temporal.failure.TerminatedFailure
              ? "the owner's workflow was terminated"
              : tf.getOriginalMessage();
    }
    return String.valueOf(c.getMessage());
  }

  private static String type(Throwable failure) {
    for (Throwable c = failure; c != null; c = c.getCause()) {
      if (c instanceof io.temporal.failure.TerminatedFailure) {
        return TERMINATED;
      }
      if (c instanceof io.temporal.failure.ApplicationFailure af) {
        return af.getType();
      }
    }
    return null;
  }

  private static JobState ended(Throwable failure) {
    for (Throwable c = failure; c != null; c = c.getCause()) {
      if (c instanceof CanceledFailure) {
        return JobState.CANCELLED;
      }
    }
    return JobState.FAILED;
  }

  /** Sends {@code next} to every running owner when it differs from what they have. */
  private void reshare(Limits next) {
    if (next.equals(share)) {
      return;
    }
    Limits had = share;
    share = next;
    if (had == null) {
      return; // the owners were started with it
    }
    List<Promise<Void>> sent = new ArrayList<>();
    for (OwnerRef o : List.copyOf(running.values())) {
      MigrationWorkflow w = owner(o);
      sent.add(Async.procedure(w::limitsFromJob, next));
    }
    awaitAll(sent);
  }

  private MigrationWorkflow owner(OwnerRef o) {
    return Workflow.newExternalWorkflowStub(
        MigrationWorkflow.class,
        JobRunWorkflow.ownerWorkflowId(input.jobId(), input.jobRunId(), o));
  }

  /** Waits for signals sent; one to an owner that ended meanwhile is of no matter. */
  private static void awaitAll(List<Promise<Void>> sent) {
    for (Promise<Void> p : sent) {
      try {
        p.get();
      } catch (RuntimeException e) {
        // the owner has ended: nothing to tell it
      }
    }
  }

  /** Cancelled: cancels every running owner, ends the others, waits for the owners' reports. */
  private void cancelAll() {
    cancelling = true;
    List<Promise<Void>> sent = new ArrayList<>();
    if (Workflow.getVersion("cancel-started-owners", Workflow.DEFAULT_VERSION, 1) == 1) {
      forgetUnstarted();
    }
    for (OwnerRef o : List.copyOf(running.values())) {
      String id = JobRunWorkflow.ownerWorkflowId(input.jobId(), input.jobRunId(), o);
      sent.add(Async.procedure(Workflow.newUntypedExternalWorkflowStub(id)::cancel));
    }
    awaitAll(sent);
    pending.clear();
    // owners waiting for a rerun have no workflow: their runs end with those never started
    waiting.clear();
    due.clear();
    failures.forEach(f -> tally = tally.ended(JobState.FAILED));
    failures.clear();
    catalog.cancelUnstarted(new JobRunActivities.JobRunRef(input.jobRunId()));
    // the owners stop their batches within seconds and report; do not wait forever for one that
    // cannot (terminated by hand)
    Workflow.await(Duration.ofMinutes(5), running::isEmpty);
  }

  /**
   * Owners whose start was cancelled with this run (it was cancelled while starting them) have no
   * workflow to cancel: they end cancelled here. Waits for starts still in flight first.
   */
  private void forgetUnstarted() {
    List<Long> ids = new ArrayList<>();
    for (Long runId : running.keySet()) {
      if (starts.containsKey(runId)) {
        ids.add(runId);
      }
    }
    Workflow.await(() -> ids.stream().allMatch(id -> starts.get(id).isCompleted()));
    for (Long id : ids) {
      if (starts.get(id).getFailure() != null) {
        OwnerRef o = running.remove(id);
        if (o != null) {
          ended(o, JobState.CANCELLED, null, null);
        }
      }
    }
  }

  @Override
  public void ownerDone(OwnerDone done) {
    OwnerRef o = running.remove(done.runId());
    if (o != null) {
      ended(o, done.state(), done.reason(), done.failureType());
    }
  }

  @Override
  public JobRunStatus status() {
    return tally.with(running.size(), started, paused);
  }

  @Override
  public Limits limits() {
    return limits;
  }

  @Override
  public JobRunStatus pause() {
    paused = true;
    catalog.setPaused(new JobRunActivities.Paused(input.jobRunId(), true));
    List<Promise<Void>> sent = new ArrayList<>();
    for (OwnerRef o : List.copyOf(running.values())) {
      sent.add(Async.procedure(owner(o)::pauseFromJob));
    }
    awaitAll(sent);
    return status();
  }

  @Override
  public void validatePause() {
    requireActive("pause");
    if (paused) {
      throw new IllegalStateException("the run is already paused");
    }
  }

  @Override
  public JobRunStatus resume() {
    paused = false;
    catalog.setPaused(new JobRunActivities.Paused(input.jobRunId(), false));
    List<Promise<Void>> sent = new ArrayList<>();
    for (OwnerRef o : List.copyOf(running.values())) {
      sent.add(Async.procedure(owner(o)::resumeFromJob));
    }
    awaitAll(sent);
    return status();
  }

  @Override
  public void validateResume() {
    requireActive("resume");
    if (!paused) {
      throw new IllegalStateException("the run is not paused");
    }
  }

  @Override
  public Limits setLimits(Limits l) {
    limits = l;
    return limits;
  }

  @Override
  public void validateSetLimits(Limits l) {
    requireActive("change the limits of");
    if (l == null) {
      throw new IllegalArgumentException("limits are required");
    }
    String problem = l.problem();
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  private void requireActive(String what) {
    if (cancelling) {
      throw new IllegalStateException("cannot " + what + " a run that is being cancelled");
    }
  }
}
