package dev.ferry.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * A job's cutover as a small state machine driven by validated Updates (see {@link
 * CutoverWorkflow}). The Update handlers only record the step and raise a flag; the workflow's loop
 * does the work in order — a round, the freeze, a verification, the switch — so a step never runs
 * twice at once, and every step is in the history. Rounds are child {@link JobRunWorkflow}s
 * (readable ids {@code ferry-job-<job>-run-<n>}, the same the API's runs have); their catalog rows
 * are prepared by {@code ferry server} ({@link CutoverActivities#prepareRound}). The interval
 * between rounds and the fallback period are durable timers.
 */
public final class CutoverWorkflowImpl implements CutoverWorkflow {
  /** The name of Ferry's own steps (automatic rounds, hook outcomes, reminders). */
  static final String FERRY = "ferry";

  /** Rounds per execution before it continues as new (about fifteen events each). */
  static final int ROUNDS_PER_EXECUTION = 100;

  /** The type of a failure no retry mends (the job has a run that has not ended...). */
  public static final String CUTOVER_REFUSED = "CutoverRefused";

  private static final RetryOptions RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setMaximumInterval(Duration.ofSeconds(30))
          .setDoNotRetry(MigrationActivities.CONFIG_ERROR, CUTOVER_REFUSED)
          .build();

  private static final ActivityOptions SERVER =
      ActivityOptions.newBuilder()
          .setTaskQueue(SERVER_QUEUE)
          .setStartToCloseTimeout(Duration.ofMinutes(10))
          .setHeartbeatTimeout(MigrationWorkflowImpl.KEEPALIVE_TIMEOUT)
          .setRetryOptions(RETRY)
          .build();

  // A hook runs at most once per step: never retried by Temporal, whatever happened to its worker.
  private static final ActivityOptions HOOK =
      ActivityOptions.newBuilder()
          .setTaskQueue(SERVER_QUEUE)
          .setStartToCloseTimeout(Duration.ofMinutes(15))
          .setHeartbeatTimeout(MigrationWorkflowImpl.KEEPALIVE_TIMEOUT)
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
          .build();

  private final CutoverActivities server =
      Workflow.newActivityStub(CutoverActivities.class, SERVER);

  private final CutoverActivities checker =
      Workflow.newActivityStub(
          CutoverActivities.class,
          ActivityOptions.newBuilder()
              .setTaskQueue(SERVER_QUEUE)
              .setStartToCloseTimeout(Duration.ofHours(24))
              .setHeartbeatTimeout(MigrationWorkflowImpl.KEEPALIVE_TIMEOUT)
              .setRetryOptions(RetryOptions.newBuilder(RETRY).setMaximumAttempts(3).build())
              .setSummary("verify: compare source and destination in full")
              .build());

  private final CutoverInput input;
  private CutoverState state;
  private boolean ready;
  private boolean roundRunning;
  private boolean freezeRequested;
  private long frozenAt;
  private final List<CutoverStatus.Round> rounds = new ArrayList<>();
  private CutoverStatus.Check lastCheck;
  private final List<CutoverStatus.Step> steps = new ArrayList<>();
  private Long estimate;
  private long fallbackEnd;
  private String message;

  private boolean roundRequested;
  private boolean verifyRequested;
  private boolean switchRequested;
  private boolean abortRequested;
  private boolean decommissionRequested;
  private boolean decommissionDelete;
  private String abortBy;
  private String abortReason;
  private String phase;

  @WorkflowInit
  public CutoverWorkflowImpl(CutoverInput in) {
    input = in;
    CutoverStatus c = in.carried() == null ? CutoverStatus.start() : in.carried();
    state = c.state();
    ready = c.ready();
    freezeRequested = c.freezeRequested();
    frozenAt = c.frozenAtMillis();
    rounds.addAll(c.rounds());
    lastCheck = c.lastCheck();
    steps.addAll(c.steps());
    estimate = c.estimatedFinalSyncSeconds();
    fallbackEnd = c.fallbackEndsAtMillis();
    message = c.message();
    told = steps.size(); // an earlier execution told those
  }

  // steps told to the client's webhooks so far
  private int told;
  private Boolean notifying;

  private final NotifyActivities notifier =
      Workflow.newActivityStub(
          NotifyActivities.class,
          ActivityOptions.newBuilder()
              .setTaskQueue(SERVER_QUEUE)
              .setStartToCloseTimeout(Duration.ofMinutes(1))
              .setScheduleToCloseTimeout(Duration.ofMinutes(10))
              .build());

  /** Tells the client's webhooks the steps taken since the last time ({@code cutover.step}). */
  private void tellSteps() {
    if (told >= steps.size()) {
      return;
    }
    if (notifying == null) {
      notifying =
          Workflow.getVersion("notify", Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION;
    }
    while (notifying && told < steps.size()) {
      CutoverStatus.Step st = steps.get(told);
      try {
        notifier.tell(
            new NotifyActivities.Notice(
                NotifyActivities.CUTOVER_STEP,
                input.jobId(),
                null,
                null,
                st.name(),
                st.outcome() == null ? "by " + st.by() : "by " + st.by() + ": " + st.outcome()));
      } catch (ActivityFailure e) {
        // recorded by nobody: the cutover goes on
      }
      told++;
    }
    told = steps.size();
  }

  @Override
  public CutoverStatus run(CutoverInput in) {
    if (in.carried() == null) {
      step("start", in.startedBy(), null);
      roundRequested = true; // the first round at once
    }
    showPhase();
    int roundsHere = 0;
    while (true) {
      tellSteps();
      if (abortRequested) {
        unfreeze(); // only after a freeze Ferry applied itself
        state = CutoverState.ABORTED;
        message =
            "aborted by "
                + abortBy
                + (abortReason == null ? "" : ": " + abortReason)
                + "; the destination keeps what was copied, the source is as it was";
        showPhase();
        tellSteps();
        return status();
      }
      if (decommissionRequested) {
        unfreeze(); // the source is no longer the fallback: as it was before the freeze
        String deleted = null;
        if (decommissionDelete
            && Workflow.getVersion("decommission-delete", Workflow.DEFAULT_VERSION, 1) == 1) {
          deleted = deleteVerified();
        }
        state = CutoverState.DECOMMISSIONED;
        message =
            deleted == null
                ? "decommissioned: the source is no longer needed (Ferry deleted nothing)"
                : "decommissioned: " + deleted;
        showPhase();
        tellSteps();
        return status();
      }
      if (roundRequested) {
        roundRequested = false;
        boolean finalRound = state != CutoverState.SYNCING;
        runRound(finalRound);
        roundsHere++;
        if (finalRound && !abortRequested) {
          verifyRequested = true; // the gate follows the final round
        }
        continue;
      }
      if (freezeRequested && canFreeze()) {
        freeze();
        continue;
      }
      if (verifyRequested) {
        verifyRequested = false;
        verify();
        continue;
      }
      if (switchRequested) {
        switchRequested = false;
        switchOver();
        continue;
      }
      if (roundsHere >= ROUNDS_PER_EXECUTION || Workflow.getInfo().isContinueAsNewSuggested()) {
        Workflow.await(Workflow::isEveryHandlerFinished);
        tellSteps();
        if (!pending()) {
          CutoverWorkflow next = Workflow.newContinueAsNewStub(CutoverWorkflow.class);
          next.run(
              new CutoverInput(
                  input.jobId(),
                  input.roundIntervalMinutes(),
                  input.readyWhenDeltaBelowFiles(),
                  input.readyWhenDeltaBelowBytes(),
                  input.fallbackDays(),
                  input.startedBy(),
                  input.labels(),
                  status()));
          return status();
        }
        continue;
      }
      Duration wait = nextWait();
      Supplier<Boolean> news = this::pending;
      boolean woke;
      if (wait == null) {
        Workflow.await(news::get);
        woke = true;
      } else {
        woke = Workflow.await(wait, news::get);
      }
      if (!woke) {
        onTimer();
      }
    }
  }

  private boolean pending() {
    return roundRequested
        || (freezeRequested && canFreeze())
        || verifyRequested
        || switchRequested
        || abortRequested
        || decommissionRequested;
  }

  /**
   * Freezing applies while syncing, and again after a failed gate (the source changed after it).
   */
  private boolean canFreeze() {
    return state == CutoverState.SYNCING || state == CutoverState.VERIFICATION_FAILED;
  }

  private long now() {
    return Workflow.currentTimeMillis();
  }

  /** Until the next automatic round, the fallback's reminder or its end; null for none. */
  private Duration nextWait() {
    if (state == CutoverState.SYNCING && input.roundIntervalMinutes() != null) {
      long last = rounds.isEmpty() ? now() : rounds.getLast().endedAtMillis();
      long at = last + Duration.ofMinutes(input.roundIntervalMinutes()).toMillis();
      return Duration.ofMillis(Math.max(1, at - now()));
    }
    if (state == CutoverState.FALLBACK) {
      if (!noted(REMINDER)) {
        return Duration.ofMillis(Math.max(1, reminderAt() - now()));
      }
      if (!noted(FALLBACK_ENDED)) {
        return Duration.ofMillis(Math.max(1, fallbackEnd - now()));
      }
    }
    return null;
  }

  static final String REMINDER = "reminder";
  static final String READ_ONLY = "source made read-only";
  static final String WRITABLE = "source writable again";
  static final String FALLBACK_ENDED = "fallback ended";

  private long reminderAt() {
    return fallbackEnd - Duration.ofDays(1).toMillis(); // at once when the period is shorter
  }

  private boolean noted(String name) {
    return steps.stream().anyMatch(s -> s.name().equals(name) && FERRY.equals(s.by()));
  }

  private void onTimer() {
    if (state == CutoverState.SYNCING && input.roundIntervalMinutes() != null) {
      roundRequested = true;
    } else if (state == CutoverState.FALLBACK) {
      if (!noted(REMINDER) && now() >= reminderAt()) {
        step(
            REMINDER,
            FERRY,
            "the fallback period ends in a day, at "
                + Instant.ofEpochMilli(fallbackEnd)
                + ": decommission the source after that, or keep it longer");
      } else if (!noted(FALLBACK_ENDED) && now() >= fallbackEnd) {
        step(FALLBACK_ENDED, FERRY, "the source is no longer needed as a fallback");
        message =
            "the fallback period ended at "
                + Instant.ofEpochMilli(fallbackEnd)
                + ": decommission the source when ready";
        showPhase();
      }
    }
  }

  private void runRound(boolean finalRound) {
    roundRunning = true;
    int n = rounds.size() + 1;
    long t0 = now();
    JobRunInput run;
    try {
      run =
          Workflow.newActivityStub(
                  CutoverActivities.class,
                  ActivityOptions.newBuilder(SERVER)
                      .setSummary("prepare round " + n + (finalRound ? " (final)" : ""))
                      .build())
              .prepareRound(new CutoverActivities.RoundRequest(input.jobId(), finalRound));
    } catch (ActivityFailure f) {
      rounds.add(
          new CutoverStatus.Round(
              n,
              0,
              null,
              finalRound,
              t0,
              now(),
              "FAILED",
              0,
              0,
              0,
              "could not start: " + why(f),
              0));
      roundRunning = false;
      message = "round " + n + " could not start: " + why(f);
      showPhase();
      return;
    }
    rounds.add(
        new CutoverStatus.Round(
            n, run.jobRunId(), run.mode(), finalRound, t0, 0, null, 0, 0, 0, null, 0));
    showPhase();
    ChildWorkflowOptions.Builder o =
        ChildWorkflowOptions.newBuilder()
            .setWorkflowId(JobRunWorkflow.workflowId(input.jobId(), run.jobRunId()))
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL);
    if (run.summary() != null) {
      o.setStaticSummary(
          run.summary()
              + " ("
              + run.mode()
              + ") — cutover round "
              + n
              + (finalRound ? ", final" : ""));
    }
    if (run.labels() != null) {
      o.setTypedSearchAttributes(
          FerryAttributes.atStart(run.labels(), FerryAttributes.phase(JobState.RUNNING)));
    }
    JobRunWorkflow child = Workflow.newChildWorkflowStub(JobRunWorkflow.class, o.build());
    List<Promise<JobRunStatus>> holder = new ArrayList<>(1);
    CancellationScope scope =
        Workflow.newCancellationScope(() -> holder.add(Async.function(child::run, run)));
    scope.run();
    Promise<JobRunStatus> result = holder.getFirst();
    Promise<WorkflowExecution> started = Workflow.getWorkflowExecution(child);
    Workflow.await(() -> result.isCompleted() || abortRequested);
    if (!result.isCompleted()
        && Workflow.getVersion("abort-started-round", Workflow.DEFAULT_VERSION, 1) == 1) {
      // A cancel sent while the round's workflow is being started is lost: the SDK sends it as a
      // request to cancel an external workflow the server has not created yet, which fails, and
      // the round then runs to its end. Cancel once Temporal says it started (or could not).
      Workflow.await(() -> started.isCompleted() || result.isCompleted());
    }
    if (!result.isCompleted()) {
      scope.cancel(); // abort: the round's owners stop, what they copied stays
    }
    String failure = null;
    try {
      result.get();
    } catch (TemporalFailure e) {
      failure = why(e);
    }
    CutoverActivities.RoundFigures f =
        server.roundFigures(new CutoverActivities.RoundRef(run.jobRunId()));
    rounds.set(
        n - 1,
        new CutoverStatus.Round(
            n,
            run.jobRunId(),
            run.mode(),
            finalRound,
            t0,
            now(),
            f.state(),
            f.filesCopied(),
            f.bytesCopied(),
            f.filesFailed(),
            failure,
            f.filesDeleted()));
    roundRunning = false;
    boolean ok = failure == null && !"FAILED".equals(f.state()) && !"CANCELLED".equals(f.state());
    Long files = input.readyWhenDeltaBelowFiles();
    Long bytes = input.readyWhenDeltaBelowBytes();
    // the delta: files new or changed, and files deleted at the source (each one a difference
    // until the destination drops it)
    long delta = f.filesCopied() + f.filesDeleted();
    ready =
        ok
            && (files == null && bytes == null
                ? delta == 0
                : (files == null || delta < files) && (bytes == null || f.bytesCopied() < bytes));
    if (ok) {
      estimate = f.seconds();
    }
    if (state == CutoverState.SYNCING) {
      message =
          ok
              ? "round "
                  + n
                  + " copied "
                  + f.filesCopied()
                  + " files ("
                  + Progress.bytes(f.bytesCopied())
                  + ")"
                  + (f.filesDeleted() > 0
                      ? " and saw " + f.filesDeleted() + " deleted at the source"
                      : "")
                  + (ready ? "; ready: freeze the source when you are" : "")
              : "round " + n + " ended " + f.state().toLowerCase(Locale.ROOT) + why(failure);
    }
    showPhase();
  }

  private void freeze() {
    freezeRequested = false;
    CutoverActivities.HookResult h = hook("freeze");
    if (h.ran() && !h.ok()) {
      message = "the freeze hook failed (" + h.outcome() + "): fix it, then freeze again";
      showPhase();
      return;
    }
    String ferry = null;
    if (Workflow.getVersion("ferry-freeze", Workflow.DEFAULT_VERSION, 1) == 1) {
      CutoverActivities.FreezeResult f = applyFreeze(true);
      if (f.applied()) {
        step(READ_ONLY, FERRY, f.outcome());
      }
      ferry = f.outcome();
    }
    state = CutoverState.FROZEN;
    frozenAt = now();
    message =
        (h.ran()
                ? "frozen by the freeze hook"
                : "frozen: the operator confirmed the source is read-only")
            + (ferry == null ? "" : "; " + ferry)
            + "; the final round runs, then the verification";
    roundRequested = true; // the final round
    showPhase();
  }

  /** How a hook's outcome begins when its worker stopped answering while it ran. */
  static final String UNKNOWN_OUTCOME = "its outcome is unknown";

  /** Whether Ferry removed the source's write permission and has not put it back. */
  private boolean ferryFroze() {
    for (int i = steps.size() - 1; i >= 0; i--) {
      CutoverStatus.Step st = steps.get(i);
      if (FERRY.equals(st.by()) && (st.name().equals(READ_ONLY) || st.name().equals(WRITABLE))) {
        return st.name().equals(READ_ONLY);
      }
    }
    return false;
  }

  /** Removes (freeze) or puts back the source's write permission; a failure is said, not thrown. */
  private CutoverActivities.FreezeResult applyFreeze(boolean freeze) {
    CutoverActivities server =
        Workflow.newActivityStub(
            CutoverActivities.class,
            ActivityOptions.newBuilder(SERVER)
                .setSummary(freeze ? "make the source read-only" : "make the source writable")
                .build());
    CutoverActivities.FreezeCall call = new CutoverActivities.FreezeCall(input.jobId());
    try {
      return freeze ? server.applyFreeze(call) : server.undoFreeze(call);
    } catch (ActivityFailure f) {
      return new CutoverActivities.FreezeResult(
          false,
          (freeze
                  ? "Ferry could not make the source read-only ("
                  : "Ferry could not put the source's write permission back (")
              + why(f)
              + ")");
    }
  }

  /** Puts back what the freeze removed, once, recorded as a step of Ferry's. */
  private void unfreeze() {
    if (ferryFroze()) {
      CutoverActivities.FreezeResult f = applyFreeze(false);
      step(WRITABLE, FERRY, f.outcome());
    }
  }

  private CutoverActivities.HookResult hook(String which) {
    try {
      CutoverActivities.HookResult h =
          Workflow.newActivityStub(
                  CutoverActivities.class,
                  ActivityOptions.newBuilder(HOOK).setSummary(which + " hook").build())
              .runHook(new CutoverActivities.HookCall(input.jobId(), which));
      if (h.ran()) {
        step(which + " hook", FERRY, (h.ok() ? "succeeded: " : "failed: ") + h.outcome());
      }
      return h;
    } catch (ActivityFailure f) {
      String outcome =
          isTimeout(f)
              ? UNKNOWN_OUTCOME
                  + ": the worker running it stopped answering; Ferry does not"
                  + " run it again by itself — check what it did"
              : why(f);
      step(which + " hook", FERRY, "failed: " + outcome);
      return new CutoverActivities.HookResult(true, false, outcome);
    }
  }

  private static boolean isTimeout(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof TimeoutFailure) {
        return true;
      }
    }
    return false;
  }

  private void verify() {
    state = CutoverState.VERIFYING;
    showPhase();
    int n = lastCheck == null ? 1 : lastCheck.number() + 1;
    CutoverStatus.Check c;
    try {
      c = checker.verify(new CutoverActivities.VerifyRequest(input.jobId(), n, frozenAt));
    } catch (ActivityFailure f) {
      c = new CutoverStatus.Check(n, now(), 0, 0, 0, 0, 0, 0, 0, 0, why(f), null);
    }
    lastCheck = c;
    if (c.passed()) {
      state = CutoverState.VERIFIED;
      message =
          "verified: "
              + c.filesCompared()
              + " files identical on both sides; switch when you are ready";
    } else {
      state = CutoverState.VERIFICATION_FAILED;
      message =
          c.message() != null
              ? "the verification could not run: " + c.message()
              : "the verification found "
                  + c.differences()
                  + " difference"
                  + (c.differences() == 1 ? "" : "s")
                  + " (GET .../cutover/differences lists them): run another round and verify"
                  + " again, or abort";
    }
    step("verification", FERRY, message);
    showPhase();
  }

  private void switchOver() {
    CutoverActivities.HookResult h = hook("switch");
    if (h.ran() && !h.ok()) {
      message =
          h.outcome() != null && h.outcome().startsWith(UNKNOWN_OUTCOME)
              ? "the switch hook's outcome is unknown: the server running it stopped answering"
                  + " while it ran (it is not run again by itself); users may be on the"
                  + " destination or the source: check what the hook did, then switch again (the"
                  + " hook runs again) or abort"
              : "the switch hook failed ("
                  + h.outcome()
                  + "): users still use the source; check, then switch again or abort";
      showPhase();
      return;
    }
    state = CutoverState.SWITCHED;
    showPhase();
    state = CutoverState.FALLBACK;
    fallbackEnd = now() + Duration.ofDays(input.fallbackDays()).toMillis();
    message =
        "switched"
            + (h.ran() ? " by the switch hook" : "")
            + "; keep the source read-only as a fallback until "
            + Instant.ofEpochMilli(fallbackEnd)
            + ", then decommission it";
    showPhase();
  }

  private void step(String name, String by, String outcome) {
    steps.add(new CutoverStatus.Step(name, by, now(), outcome));
  }

  private static String why(Throwable t) {
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

  private static String why(String failure) {
    return failure == null ? "" : ": " + failure;
  }

  /** The phase attribute (when the namespace has it) and the current details. */
  private void showPhase() {
    String p = state.label();
    if (input.labels() != null && !p.equals(phase)) {
      FerryAttributes.upsertPhase(p);
    }
    phase = p;
    StringBuilder b = new StringBuilder("**cutover: ").append(p.replace('_', ' ')).append("**");
    if (!rounds.isEmpty()) {
      CutoverStatus.Round r = rounds.getLast();
      b.append("  \nround ").append(r.number());
      if (r.endedAtMillis() == 0) {
        b.append(" running");
      } else {
        b.append(": ")
            .append(r.filesCopied())
            .append(" files, ")
            .append(Progress.bytes(r.bytesCopied()))
            .append(" copied");
      }
    }
    if (message != null) {
      b.append("  \n").append(message);
    }
    Workflow.setCurrentDetails(b.toString());
  }

  @Override
  public CutoverStatus status() {
    return new CutoverStatus(
        state,
        ready,
        roundRunning,
        freezeRequested,
        frozenAt,
        List.copyOf(rounds),
        lastCheck,
        List.copyOf(steps),
        estimate,
        fallbackEnd,
        message);
  }

  private void accept(String name, StepRequest s) {
    step(name, s == null || s.by() == null ? "unknown" : s.by(), s == null ? null : s.reason());
  }

  /** The number of the round that runs or is about to. */
  private int runningRound() {
    boolean listed = !rounds.isEmpty() && rounds.getLast().endedAtMillis() == 0;
    return listed ? rounds.size() : rounds.size() + 1;
  }

  private void requireOpen(String what) {
    if (state == CutoverState.ABORTED || state == CutoverState.DECOMMISSIONED || abortRequested) {
      throw new IllegalStateException(
          "cannot " + what + ": the cutover is " + (abortRequested ? "aborting" : state.label()));
    }
    if (decommissionRequested) {
      throw new IllegalStateException("cannot " + what + ": the cutover is being decommissioned");
    }
  }

  @Override
  public CutoverStatus round(StepRequest s) {
    accept("round", s);
    roundRequested = true;
    return status();
  }

  @Override
  public void validateRound(StepRequest s) {
    requireOpen("run a round");
    if (roundRunning || roundRequested) {
      throw new IllegalStateException(
          "cannot run a round: round " + runningRound() + " is running; wait for it to end");
    }
    if (state == CutoverState.VERIFYING || verifyRequested) {
      throw new IllegalStateException("cannot run a round: the verification is running");
    }
    if (!state.beforeSwitch()) {
      throw new IllegalStateException("cannot run a round: the cutover has switched");
    }
  }

  @Override
  public CutoverStatus freeze(StepRequest s) {
    accept("freeze", s);
    freezeRequested = true;
    if (roundRunning) {
      message = "the freeze waits for round " + runningRound() + " to end";
    }
    return status();
  }

  @Override
  public void validateFreeze(StepRequest s) {
    requireOpen("freeze");
    if (freezeRequested) {
      throw new IllegalStateException("cannot freeze: a freeze is already waiting");
    }
    if (!canFreeze()) {
      throw new IllegalStateException(
          "cannot freeze: the source is already frozen"
              + (state.beforeSwitch() ? "" : " and the cutover has switched"));
    }
    if (roundRunning && state != CutoverState.SYNCING) {
      throw new IllegalStateException("cannot freeze: the final round is running");
    }
  }

  @Override
  public CutoverStatus verify(StepRequest s) {
    accept("verify", s);
    verifyRequested = true;
    return status();
  }

  @Override
  public void validateVerify(StepRequest s) {
    requireOpen("verify");
    if (state == CutoverState.SYNCING) {
      throw new IllegalStateException(
          "cannot verify before the source is frozen: freeze first (the final round runs, then"
              + " the verification)");
    }
    if (roundRunning || roundRequested) {
      throw new IllegalStateException(
          "cannot verify: round " + runningRound() + " is running; the verification follows it");
    }
    if (state == CutoverState.VERIFYING || verifyRequested) {
      throw new IllegalStateException("cannot verify: the verification is running");
    }
    if (!state.beforeSwitch()) {
      throw new IllegalStateException("cannot verify: the cutover has switched");
    }
  }

  @Override
  public CutoverStatus switchOver(StepRequest s) {
    accept("switch", s);
    switchRequested = true;
    return status();
  }

  @Override
  public void validateSwitchOver(StepRequest s) {
    requireOpen("switch");
    if (switchRequested) {
      throw new IllegalStateException("cannot switch: the switch is running");
    }
    if (!state.beforeSwitch()) {
      throw new IllegalStateException("cannot switch: the cutover has switched already");
    }
    if (state == CutoverState.VERIFICATION_FAILED && lastCheck != null) {
      throw new IllegalStateException(
          lastCheck.message() != null
              ? "cannot switch: the last verification could not run (" + lastCheck.message() + ")"
              : "cannot switch: the last verification found "
                  + lastCheck.differences()
                  + " difference"
                  + (lastCheck.differences() == 1 ? "" : "s"));
    }
    if (state != CutoverState.VERIFIED || roundRunning || roundRequested || verifyRequested) {
      throw new IllegalStateException(
          "cannot switch before a verification passes"
              + (state == CutoverState.SYNCING ? ": freeze the source first" : ""));
    }
  }

  @Override
  public CutoverStatus abort(StepRequest s) {
    accept("abort", s);
    abortRequested = true;
    abortBy = s == null || s.by() == null ? "unknown" : s.by();
    abortReason = s == null ? null : s.reason();
    return status();
  }

  @Override
  public void validateAbort(StepRequest s) {
    requireOpen("abort");
    if (!state.beforeSwitch() || switchRequested) {
      throw new IllegalStateException(
          "cannot abort after the switch: users are on the destination; keep the source as the"
              + " fallback, or decommission it");
    }
  }

  @Override
  public CutoverStatus decommission(StepRequest s) {
    accept("decommission", s);
    decommissionDelete = s != null && s.deleteSource();
    decommissionRequested = true;
    return status();
  }

  /**
   * Deletes at the source the files the last (passing) verification verified; the outcome is
   * recorded as a step of Ferry's. Returns it as a sentence.
   */
  private String deleteVerified() {
    int check = lastCheck.number();
    String outcome;
    try {
      CutoverActivities.DeleteResult r =
          Workflow.newActivityStub(
                  CutoverActivities.class,
                  ActivityOptions.newBuilder()
                      .setTaskQueue(SERVER_QUEUE)
                      .setStartToCloseTimeout(Duration.ofHours(24))
                      .setHeartbeatTimeout(MigrationWorkflowImpl.KEEPALIVE_TIMEOUT)
                      .setRetryOptions(RetryOptions.newBuilder(RETRY).setMaximumAttempts(3).build())
                      .setSummary("decommission: delete the verified files at the source")
                      .build())
              .deleteVerified(new CutoverActivities.DeleteRequest(input.jobId(), check));
      outcome = r.summary();
    } catch (ActivityFailure f) {
      outcome = "the deletion at the source failed: " + why(f);
    }
    step("source deleted", FERRY, outcome);
    return outcome;
  }

  @Override
  public void validateDecommission(StepRequest s) {
    requireOpen("decommission");
    if (state != CutoverState.FALLBACK) {
      throw new IllegalStateException(
          "cannot decommission before the switch: the source is still the one in use");
    }
    if (s != null && s.deleteSource() && (lastCheck == null || !lastCheck.passed())) {
      throw new IllegalStateException(
          "cannot delete the source: no verification passed, so no file is known to be at the"
              + " destination; decommission without deleting");
    }
  }
}
