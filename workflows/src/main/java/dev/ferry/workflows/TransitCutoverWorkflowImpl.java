package dev.ferry.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A transit cutover as a state machine driven by validated Updates (see {@link
 * TransitCutoverWorkflow}). The Update handlers only record the step and queue the work; the
 * workflow's loop does it in order, one piece at a time — the precopy, each account's move (a child
 * {@link AccountMoveWorkflow}), the precopy back — while durable timers bill each started day past
 * the free window and watch the finalization's deadline (the reminder a day before, the overrun
 * after). It continues as new when Temporal suggests it, between moves.
 */
public final class TransitCutoverWorkflowImpl implements TransitCutoverWorkflow {
  static final String FERRY = CutoverWorkflowImpl.FERRY;
  static final long DAY = Duration.ofDays(1).toMillis();
  static final String SUPPORT = "support";
  static final String USER = "user";
  static final String REHEARSAL = "rehearsal";

  /** Suffixes of a rehearsal's databases: on the transit, and back on the client server. */
  public static final String REHEARSAL_SUFFIX = "_ferry_rehearsal";

  public static final String REHEARSAL_BACK_SUFFIX = "_ferry_rehearsal_back";

  /** The wait before a failed account move's first retry (then 2 and 4 minutes). */
  static final int RETRY_SECONDS = 60;

  private static final ActivityOptions SERVER =
      ActivityOptions.newBuilder()
          .setTaskQueue(CutoverWorkflow.SERVER_QUEUE)
          .setStartToCloseTimeout(Duration.ofMinutes(10))
          .setHeartbeatTimeout(MigrationWorkflowImpl.KEEPALIVE_TIMEOUT)
          .setRetryOptions(
              RetryOptions.newBuilder()
                  .setInitialInterval(Duration.ofSeconds(1))
                  .setMaximumInterval(Duration.ofSeconds(30))
                  .setMaximumAttempts(10)
                  .setDoNotRetry(
                      MigrationActivities.CONFIG_ERROR, CutoverWorkflowImpl.CUTOVER_REFUSED)
                  .build())
          .build();

  private final TransitActivities server =
      Workflow.newActivityStub(TransitActivities.class, SERVER);

  private final NotifyActivities notifier =
      Workflow.newActivityStub(
          NotifyActivities.class,
          ActivityOptions.newBuilder()
              .setTaskQueue(CutoverWorkflow.SERVER_QUEUE)
              .setStartToCloseTimeout(Duration.ofMinutes(1))
              .setScheduleToCloseTimeout(Duration.ofMinutes(10))
              .build());

  /** An account as the workflow keeps it. */
  private static final class Acc {
    final String name;
    final List<String> databases;
    String location = TransitStatus.SERVER;
    int moves;
    int failed;
    String lastProblem;

    Acc(String name, List<String> databases) {
      this.name = name;
      this.databases = databases == null ? List.of() : databases;
    }
  }

  /** A move waiting its turn. */
  private record Pending(String account, String to, String by) {}

  private final TransitInput input;
  private TransitState state;
  private final Map<String, Acc> accounts = new LinkedHashMap<>();
  private final List<Pending> queue = new ArrayList<>();
  private Pending moving;
  private final List<TransitStatus.Move> moves = new ArrayList<>();
  private TransitStatus.Copy precopy;
  private TransitStatus.Copy precopyBack;
  private long reinstalledAt;
  private long readyAt;
  private long freeUntil;
  private int overageDays;
  private long overageCents;
  private String finalizer;
  private long finalizeByMillis;
  private boolean reminded;
  private boolean overrun;
  private final List<CutoverStatus.Step> steps = new ArrayList<>();
  private String message;

  private boolean requestPending;
  private boolean reinstallPending;
  private Promise<?> running;
  private Runnable onEnd;
  private int told;
  private String phase;

  @WorkflowInit
  public TransitCutoverWorkflowImpl(TransitInput in) {
    input = in;
    for (TransitInput.Account a : in.accounts()) {
      accounts.put(a.name(), new Acc(a.name(), a.databases()));
    }
    TransitStatus c = in.carried();
    if (c == null) {
      state = TransitState.CREATED;
      return;
    }
    state = c.state();
    for (TransitStatus.AccountStatus a : c.accounts()) {
      Acc acc = accounts.get(a.name());
      if (acc != null) {
        acc.location = a.location();
        acc.moves = a.moves();
        acc.failed = a.failedMoves();
        acc.lastProblem = a.lastProblem();
      }
    }
    moves.addAll(c.moves());
    precopy = c.precopy();
    precopyBack = c.precopyBack();
    reinstalledAt = c.reinstalledAtMillis();
    readyAt = c.readyAtMillis();
    freeUntil = c.freeUntilMillis();
    overageDays = c.overageDays();
    overageCents = c.overageCents();
    finalizer = c.finalizeBy();
    finalizeByMillis = c.finalizeByMillis();
    reminded = c.reminded();
    overrun = c.overrun();
    steps.addAll(c.steps());
    message = c.message();
    told = steps.size(); // an earlier execution told those
  }

  @Override
  public TransitStatus run(TransitInput in) {
    if (in.carried() == null) {
      step("create", in.createdBy(), in.shared() ? "shared transit" : null);
      message = "created: rehearse a few accounts, or request the transit";
    }
    if (in.labels() != null) {
      FerryAttributes.upsertAll(in.labels(), state.label());
      phase = state.label();
    }
    show();
    while (true) {
      bill();
      watchDeadline();
      finishWhenHome();
      tellSteps();
      if (running != null && running.isCompleted()) {
        Runnable end = onEnd;
        running = null;
        onEnd = null;
        end.run();
        show();
        continue;
      }
      if (running == null) {
        if (requestPending) {
          requestPending = false;
          startPrecopy();
          show();
          continue;
        }
        if (reinstallPending) {
          reinstallPending = false;
          startPrecopyBack();
          show();
          continue;
        }
        if (!queue.isEmpty()) {
          startMove(queue.removeFirst());
          show();
          continue;
        }
        if (state == TransitState.FINISHED) {
          Workflow.await(Workflow::isEveryHandlerFinished);
          tellSteps();
          return status();
        }
        if (Workflow.getInfo().isContinueAsNewSuggested()) {
          Workflow.await(Workflow::isEveryHandlerFinished);
          tellSteps();
          if (!pending()) {
            Workflow.newContinueAsNewStub(TransitCutoverWorkflow.class)
                .run(input.carrying(status()));
            return status();
          }
          continue;
        }
      }
      Duration wait = nextWait();
      if (wait == null) {
        Workflow.await(this::pending);
      } else {
        Workflow.await(wait, this::pending);
      }
    }
  }

  private boolean pending() {
    if (running != null) {
      return running.isCompleted();
    }
    return requestPending || reinstallPending || !queue.isEmpty();
  }

  private long now() {
    return Workflow.currentTimeMillis();
  }

  // ---- windows and billing

  /** Bills each day that started past the free window, while the transit is in use. */
  private void bill() {
    if (input.shared() || freeUntil == 0 || !state.inUse()) {
      return;
    }
    while (now() >= freeUntil + overageDays * DAY) {
      overageDays++;
      long price = input.dailyPriceCents() == null ? 0 : input.dailyPriceCents();
      overageCents += price;
      String outcome =
          "day "
              + overageDays
              + " past the free window (it ended "
              + Instant.ofEpochMilli(freeUntil)
              + "): billed"
              + (price == 0 ? "" : " " + cents(price) + ", " + cents(overageCents) + " so far");
      step("overage", FERRY, outcome);
    }
  }

  private static String cents(long c) {
    return String.format(java.util.Locale.ROOT, "%d.%02d", c / 100, c % 100);
  }

  private void watchDeadline() {
    if (finalizeByMillis == 0 || state != TransitState.FINALIZING) {
      return;
    }
    if (!reminded && now() >= finalizeByMillis - DAY) {
      reminded = true;
      step(
          "reminder",
          FERRY,
          "the finalization is due in a day, by "
              + Instant.ofEpochMilli(finalizeByMillis)
              + ": "
              + onTransit().size()
              + " account(s) still on the transit "
              + onTransit());
    }
    if (!overrun && now() >= finalizeByMillis) {
      overrun = true;
      step(
          "overrun",
          FERRY,
          "the finalization deadline "
              + Instant.ofEpochMilli(finalizeByMillis)
              + " passed with "
              + onTransit().size()
              + " account(s) still on the transit "
              + onTransit());
    }
  }

  /** Until the next billed day, the reminder or the deadline; null for none. */
  private Duration nextWait() {
    long next = Long.MAX_VALUE;
    if (!input.shared() && freeUntil != 0 && state.inUse()) {
      next = Math.min(next, freeUntil + overageDays * DAY);
    }
    if (finalizeByMillis != 0 && state == TransitState.FINALIZING) {
      if (!reminded) {
        next = Math.min(next, finalizeByMillis - DAY);
      } else if (!overrun) {
        next = Math.min(next, finalizeByMillis);
      }
    }
    return next == Long.MAX_VALUE ? null : Duration.ofMillis(Math.max(1, next - now()));
  }

  private List<String> onTransit() {
    return accounts.values().stream()
        .filter(a -> TransitStatus.TRANSIT.equals(a.location))
        .map(a -> a.name)
        .toList();
  }

  // ---- the work

  private void startPrecopy() {
    if (input.shared()) {
      becomeReady("shared transit: no precopy; move the accounts when you wish");
      return;
    }
    state = TransitState.INSTALLING;
    message = "installing: the precopy of every account's files to the transit runs";
    startCopy(
        TransitActivities.OUT,
        c -> {
          precopy = c;
          if (c.failed()) {
            state = TransitState.REQUESTED;
            message =
                "the precopy "
                    + (c.state() == null ? "" : "ended " + c.state().toLowerCase() + " ")
                    + (c.message() == null ? "" : "(" + c.message() + ")")
                    + ": fix it and request again";
            step("precopy", FERRY, message);
          } else {
            step("precopy", FERRY, copied(c));
            becomeReady(
                "ready: the precopy copied "
                    + copied(c)
                    + "; move the accounts when you wish (free until "
                    + Instant.ofEpochMilli(now() + input.freeDays() * DAY)
                    + ")");
          }
        },
        c -> precopy = c);
  }

  private void becomeReady(String why) {
    state = TransitState.READY;
    readyAt = now();
    freeUntil = input.shared() ? 0 : readyAt + input.freeDays() * DAY;
    message = why;
    step("ready", FERRY, why);
  }

  private void startPrecopyBack() {
    state = TransitState.REINSTALLING;
    if (input.shared()) {
      reinstalledAt = now();
      message = "reinstalled (shared transit: no precopy back): finalize";
      step("reinstalled", FERRY, message);
      return;
    }
    message = "reinstalling: the precopy back to the client server runs";
    startCopy(
        TransitActivities.BACK,
        c -> {
          precopyBack = c;
          if (c.failed()) {
            message =
                "the precopy back failed"
                    + (c.message() == null ? "" : " (" + c.message() + ")")
                    + ": fix it and reinstall again";
            step("precopy back", FERRY, message);
          } else {
            reinstalledAt = now();
            message = "reinstalled: the precopy back copied " + copied(c) + "; finalize";
            step("reinstalled", FERRY, message);
          }
        },
        c -> precopyBack = c);
  }

  private static String copied(TransitStatus.Copy c) {
    return c.filesCopied()
        + " files ("
        + Progress.bytes(c.bytesCopied())
        + ")"
        + (c.filesFailed() == 0 ? "" : ", " + c.filesFailed() + " failed");
  }

  /** Starts a precopy: its run prepared by the server, its JobRunWorkflow a child. */
  private void startCopy(
      String direction,
      java.util.function.Consumer<TransitStatus.Copy> ended,
      java.util.function.Consumer<TransitStatus.Copy> started) {
    long t0 = now();
    JobRunInput run;
    try {
      run =
          Workflow.newActivityStub(
                  TransitActivities.class,
                  ActivityOptions.newBuilder(SERVER).setSummary("prepare the precopy").build())
              .prepareCopy(new TransitActivities.CopyRequest(input.transitId(), direction, null));
    } catch (ActivityFailure f) {
      ended.accept(
          new TransitStatus.Copy(0, t0, now(), "FAILED", 0, 0, 0, AccountMoveWorkflowImpl.why(f)));
      return;
    }
    started.accept(new TransitStatus.Copy(run.jobRunId(), t0, 0, null, 0, 0, 0, null));
    ChildWorkflowOptions.Builder o =
        ChildWorkflowOptions.newBuilder()
            .setWorkflowId(JobRunWorkflow.workflowId(run.jobId(), run.jobRunId()))
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL);
    if (run.summary() != null) {
      o.setStaticSummary(run.summary() + " (" + run.mode() + ") — transit precopy " + direction);
    }
    if (run.labels() != null) {
      o.setTypedSearchAttributes(
          FerryAttributes.atStart(run.labels(), FerryAttributes.phase(JobState.RUNNING)));
    }
    JobRunWorkflow child = Workflow.newChildWorkflowStub(JobRunWorkflow.class, o.build());
    Promise<JobRunStatus> p = Async.function(child::run, run);
    running = p;
    onEnd =
        () -> {
          String failure = null;
          try {
            p.get();
          } catch (TemporalFailure e) {
            failure = AccountMoveWorkflowImpl.why(e);
          }
          CutoverActivities.RoundFigures f =
              server.copyFigures(new CutoverActivities.RoundRef(run.jobRunId()));
          ended.accept(
              new TransitStatus.Copy(
                  run.jobRunId(),
                  t0,
                  now(),
                  f.state(),
                  f.filesCopied(),
                  f.bytesCopied(),
                  f.filesFailed(),
                  failure));
        };
  }

  private void startMove(Pending p) {
    moving = p;
    Acc a = accounts.get(p.account());
    int n = moves.size() + 1;
    boolean toTransit = TransitStatus.TRANSIT.equals(p.to());
    boolean rehearsal = REHEARSAL.equals(p.to());
    String fromConn = toTransit || rehearsal ? input.serverDatabases() : input.transitDatabases();
    String toConn = toTransit || rehearsal ? input.transitDatabases() : input.serverDatabases();
    List<DatabaseActivities.DatabaseRef> measure = new ArrayList<>();
    List<DatabaseActivities.MoveRequest> dbs = new ArrayList<>();
    String moveId = input.transitId() + "-" + n;
    for (String db : a.databases) {
      DatabaseActivities.DatabaseRef from = new DatabaseActivities.DatabaseRef(fromConn, db);
      measure.add(from);
      if (rehearsal) {
        DatabaseActivities.DatabaseRef there =
            new DatabaseActivities.DatabaseRef(toConn, db + REHEARSAL_SUFFIX);
        dbs.add(new DatabaseActivities.MoveRequest(from, there, moveId));
        dbs.add(
            new DatabaseActivities.MoveRequest(
                there,
                new DatabaseActivities.DatabaseRef(fromConn, db + REHEARSAL_BACK_SUFFIX),
                moveId + "-back"));
      } else {
        dbs.add(
            new DatabaseActivities.MoveRequest(
                from, new DatabaseActivities.DatabaseRef(toConn, db), moveId));
      }
    }
    AccountMoveWorkflow.Input mi =
        new AccountMoveWorkflow.Input(
            input.transitId(),
            a.name,
            p.to(),
            toTransit || rehearsal ? TransitActivities.OUT : TransitActivities.BACK,
            measure,
            dbs,
            !rehearsal,
            AccountMoveWorkflow.MAX_ATTEMPTS,
            RETRY_SECONDS,
            input.labels() == null
                ? null
                : input.labels().withKind(FerryAttributes.KIND_ACCOUNT_MOVE));
    ChildWorkflowOptions o =
        ChildWorkflowOptions.newBuilder()
            .setWorkflowId(AccountMoveWorkflow.workflowId(input.transitId(), n, a.name))
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
            .setStaticSummary(
                (rehearsal ? "Rehearsal of account " : "Move of account ")
                    + a.name
                    + " to the "
                    + (rehearsal ? "transit and back" : p.to())
                    + " — transit "
                    + input.transitId()
                    + (input.clientId() == null ? "" : ", client " + input.clientId()))
            .build();
    AccountMoveWorkflow child = Workflow.newChildWorkflowStub(AccountMoveWorkflow.class, o);
    Promise<AccountMoveWorkflow.Result> r = Async.function(child::run, mi);
    running = r;
    onEnd =
        () -> {
          AccountMoveWorkflow.Result res;
          try {
            res = r.get();
          } catch (TemporalFailure e) {
            res =
                new AccountMoveWorkflow.Result(
                    false,
                    0,
                    now(),
                    now(),
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    List.of(AccountMoveWorkflowImpl.why(e)),
                    null);
          }
          moveEnded(p, res);
        };
  }

  private void moveEnded(Pending p, AccountMoveWorkflow.Result r) {
    moving = null;
    Acc a = accounts.get(p.account());
    moves.add(new TransitStatus.Move(a.name, p.to(), p.by(), r));
    a.moves++;
    boolean rehearsal = REHEARSAL.equals(p.to());
    String figures =
        "expected unavailability "
            + r.expectedSeconds()
            + " s, measured "
            + r.measuredSeconds()
            + " s; "
            + r.filesCopied()
            + " files and "
            + r.tablesCompared()
            + " tables"
            + (r.attempts() > 1 ? "; " + r.attempts() + " attempts" : "");
    if (r.ok()) {
      if (!rehearsal) {
        a.location = p.to();
      }
      a.lastProblem = null;
      message =
          (rehearsal
                  ? "rehearsal of " + a.name + " passed: "
                  : a.name + " is served from the " + p.to() + ": ")
              + figures
              + (r.note() == null ? "" : "; " + r.note());
      step(rehearsal ? "rehearsed" : "moved", FERRY, message);
    } else {
      a.failed++;
      a.lastProblem = r.problems().isEmpty() ? "failed" : r.problems().getLast();
      message =
          (rehearsal ? "rehearsal of " + a.name + " failed" : "the move of " + a.name + " gave up")
              + " after "
              + r.attempts()
              + " attempts ("
              + a.lastProblem
              + "): it keeps serving from the "
              + a.location;
      step(rehearsal ? "rehearsal failed" : "move failed", FERRY, message);
    }
  }

  /** The finalization ends when every account is home and no move is left. */
  private void finishWhenHome() {
    if (state != TransitState.FINALIZING
        || running != null
        || !queue.isEmpty()
        || !onTransit().isEmpty()) {
      return;
    }
    state = TransitState.FINISHED;
    message =
        "finished: every account is home"
            + (overrun
                ? ", " + ((now() - finalizeByMillis + DAY - 1) / DAY) + " day(s) after the deadline"
                : "")
            + (overageDays == 0 ? "" : "; " + overageDays + " day(s) of overage billed");
    step("finished", FERRY, message);
    show();
  }

  // ---- notices, details

  private void tellSteps() {
    while (told < steps.size()) {
      CutoverStatus.Step st = steps.get(told);
      try {
        notifier.tell(
            new NotifyActivities.Notice(
                st.name().equals("overage")
                    ? NotifyActivities.TRANSIT_OVERAGE
                    : NotifyActivities.TRANSIT_STEP,
                input.outJobId(),
                null,
                null,
                st.name(),
                st.outcome() == null ? "by " + st.by() : "by " + st.by() + ": " + st.outcome()));
      } catch (ActivityFailure e) {
        // nobody heard: the transit goes on
      }
      told++;
    }
  }

  private void step(String name, String by, String outcome) {
    steps.add(new CutoverStatus.Step(name, by, now(), outcome));
  }

  private void show() {
    String p = state.label();
    if (input.labels() != null && !p.equals(phase)) {
      FerryAttributes.upsertPhase(p);
    }
    phase = p;
    StringBuilder b =
        new StringBuilder("**transit ")
            .append(input.transitId())
            .append(input.shared() ? " (shared)" : "")
            .append(": ")
            .append(p)
            .append("**  \nclient ")
            .append(input.clientId())
            .append(" · ")
            .append(onTransit().size())
            .append(" of ")
            .append(accounts.size())
            .append(" accounts on the transit");
    if (moving != null) {
      b.append("  \nmoving ").append(moving.account()).append(" to the ").append(moving.to());
    }
    if (!queue.isEmpty()) {
      b.append(" · ").append(queue.size()).append(" queued");
    }
    if (freeUntil != 0) {
      b.append("  \nfree until ").append(Instant.ofEpochMilli(freeUntil));
      if (overageDays > 0) {
        b.append(", ").append(overageDays).append(" day(s) of overage");
      }
    }
    if (finalizeByMillis != 0) {
      b.append("  \nfinalize by ").append(Instant.ofEpochMilli(finalizeByMillis));
      if (overrun) {
        b.append(" (overrun)");
      }
    }
    if (message != null) {
      b.append("  \n").append(message);
    }
    Workflow.setCurrentDetails(b.toString());
  }

  @Override
  public TransitStatus status() {
    List<TransitStatus.AccountStatus> list = new ArrayList<>();
    for (Acc a : accounts.values()) {
      String st;
      if (moving != null && moving.account().equals(a.name)) {
        st = "moving";
      } else if (queue.stream().anyMatch(q -> q.account().equals(a.name))) {
        st = "queued";
      } else if ((state == TransitState.FINALIZING || state == TransitState.FINISHED)
          && TransitStatus.SERVER.equals(a.location)) {
        st = "home";
      } else {
        st = "serving";
      }
      list.add(
          new TransitStatus.AccountStatus(
              a.name, a.location, st, a.moves, a.failed, a.lastProblem));
    }
    return new TransitStatus(
        state,
        input.shared(),
        list,
        queue.stream().map(Pending::account).toList(),
        moving == null ? null : moving.account(),
        List.copyOf(moves),
        precopy,
        precopyBack,
        reinstalledAt,
        readyAt,
        freeUntil,
        overageDays,
        overageCents,
        finalizer,
        finalizeByMillis,
        reminded,
        overrun,
        List.copyOf(steps),
        message);
  }

  // ---- steps

  private static String by(String by) {
    return by == null || by.isBlank() ? "unknown" : by;
  }

  private static IllegalStateException refused(String why) {
    return new IllegalStateException(why);
  }

  private void requireNotFinished(String what) {
    if (state == TransitState.FINISHED) {
      throw refused("cannot " + what + ": the transit is finished");
    }
  }

  @Override
  public TransitStatus request(StepRequest s) {
    step("request", by(s.by()), s.reason());
    state = TransitState.REQUESTED;
    requestPending = true;
    message = "requested: the precopy starts";
    show();
    return status();
  }

  @Override
  public void validateRequest(StepRequest s) {
    requireNotFinished("request");
    if (requestPending || (state != TransitState.CREATED && state != TransitState.REQUESTED)) {
      throw refused("cannot request: the transit is " + state.label() + " already");
    }
    if (state == TransitState.REQUESTED && precopy == null) {
      throw refused("cannot request: the transit is requested already");
    }
    if (running != null || !queue.isEmpty()) {
      throw refused(
          "cannot request: the rehearsal of "
              + (moving == null ? queue.getFirst().account() : moving.account())
              + " runs; request when it has ended");
    }
  }

  private Acc account(String name, String what) {
    Acc a = name == null ? null : accounts.get(name);
    if (a == null) {
      throw refused(
          "cannot "
              + what
              + ": the transit has no account '"
              + name
              + "' (it has "
              + names()
              + ")");
    }
    return a;
  }

  private String names() {
    return String.join(", ", accounts.keySet());
  }

  private void requireIdle(Acc a, String what) {
    if (moving != null && moving.account().equals(a.name)) {
      throw refused("cannot " + what + ": " + a.name + " is moving to the " + moving.to() + " now");
    }
    if (queue.stream().anyMatch(q -> q.account().equals(a.name))) {
      throw refused("cannot " + what + ": " + a.name + " is queued to move already");
    }
  }

  @Override
  public TransitStatus moveAccount(AccountRequest s) {
    Acc a = accounts.get(s.account());
    String to =
        TransitStatus.SERVER.equals(a.location) ? TransitStatus.TRANSIT : TransitStatus.SERVER;
    step("move-account", by(s.by()), a.name + " to the " + to);
    queue.add(new Pending(a.name, to, by(s.by())));
    show();
    return status();
  }

  @Override
  public void validateMoveAccount(AccountRequest s) {
    String what = "move " + (s == null ? "?" : s.account());
    requireNotFinished(what);
    Acc a = account(s.account(), what);
    switch (state) {
      case CREATED, REQUESTED, INSTALLING ->
          throw refused(
              "cannot "
                  + what
                  + ": the transit is "
                  + state.label()
                  + (state == TransitState.CREATED ? " (request it first)" : "")
                  + "; accounts move once it is ready");
      case REINSTALLING ->
          throw refused(
              "cannot "
                  + what
                  + ": the client server is being reinstalled; accounts move home once the"
                  + " finalization opens (finalize)");
      case READY -> {
        if (TransitStatus.TRANSIT.equals(a.location)) {
          throw refused(
              "cannot " + what + ": it is on the transit already (move-back brings it back)");
        }
      }
      case FINALIZING -> {
        if (TransitStatus.SERVER.equals(a.location)) {
          throw refused("cannot " + what + ": it is home already");
        }
      }
      default -> {}
    }
    requireIdle(a, what);
  }

  @Override
  public TransitStatus moveBack(AccountRequest s) {
    step("move-back", by(s.by()), s.account() + " back to the server");
    queue.add(new Pending(s.account(), TransitStatus.SERVER, by(s.by())));
    show();
    return status();
  }

  @Override
  public void validateMoveBack(AccountRequest s) {
    String what = "move " + (s == null ? "?" : s.account()) + " back";
    requireNotFinished(what);
    Acc a = account(s.account(), what);
    if (reinstallPending || reinstalledAt != 0 || state.ordinal() > TransitState.READY.ordinal()) {
      CutoverStatus.Step r =
          steps.stream().filter(x -> x.name().equals("reinstall")).reduce((x, y) -> y).orElse(null);
      throw refused(
          "cannot "
              + what
              + ": the client server was reinstalled"
              + (r == null
                  ? ""
                  : " (by " + r.by() + " at " + Instant.ofEpochMilli(r.atMillis()) + ")")
              + ", so the old server is gone; accounts go home through the finalization");
    }
    if (state != TransitState.READY || TransitStatus.SERVER.equals(a.location)) {
      throw refused("cannot " + what + ": it is not on the transit");
    }
    requireIdle(a, what);
  }

  @Override
  public TransitStatus reinstall(StepRequest s) {
    step("reinstall", by(s.by()), s.reason());
    reinstallPending = true;
    state = TransitState.REINSTALLING; // at once: no account moves from now on
    message = "reinstall: the precopy back to the client server starts";
    show();
    return status();
  }

  @Override
  public void validateReinstall(StepRequest s) {
    requireNotFinished("reinstall");
    boolean retry =
        state == TransitState.REINSTALLING && precopyBack != null && precopyBack.failed();
    if (reinstallPending || (state == TransitState.REINSTALLING && !retry)) {
      throw refused("cannot reinstall: the client server is being reinstalled already");
    }
    if (state != TransitState.READY && !retry) {
      throw refused(
          "cannot reinstall: the transit is "
              + state.label()
              + (state.ordinal() < TransitState.READY.ordinal()
                  ? "; every account must be on the transit first"
                  : ""));
    }
    if (moving != null || !queue.isEmpty()) {
      throw refused(
          "cannot reinstall: "
              + (moving != null ? moving.account() + " is moving" : "moves are queued")
              + "; reinstall when every move has ended");
    }
    List<String> home =
        accounts.values().stream()
            .filter(a -> TransitStatus.SERVER.equals(a.location))
            .map(a -> a.name)
            .toList();
    if (!home.isEmpty()) {
      throw refused(
          "cannot reinstall: "
              + home.size()
              + " account(s) still on the client server ("
              + String.join(", ", home)
              + "); move every account to the transit first");
    }
  }

  @Override
  public TransitStatus finalizeTransit(FinalizeRequest s) {
    finalizer = s.finalizer();
    state = TransitState.FINALIZING;
    if (USER.equals(finalizer) && !input.shared()) {
      finalizeByMillis = now() + input.finalizeDays() * DAY;
    }
    message =
        "finalizing by "
            + finalizer
            + ": move each account home"
            + (finalizeByMillis == 0 ? "" : " by " + Instant.ofEpochMilli(finalizeByMillis));
    step("finalize", by(s.by()), "by " + finalizer);
    show();
    return status();
  }

  @Override
  public void validateFinalizeTransit(FinalizeRequest s) {
    requireNotFinished("finalize");
    if (s == null || !(SUPPORT.equals(s.finalizer()) || USER.equals(s.finalizer()))) {
      throw refused("cannot finalize: say by whom, 'support' or 'user'");
    }
    if (state == TransitState.FINALIZING) {
      throw refused("cannot finalize: the finalization is open already (by " + finalizer + ")");
    }
    if (state != TransitState.REINSTALLING || reinstallPending) {
      throw refused(
          "cannot finalize: the client server is not reinstalled (the transit is "
              + state.label()
              + "); reinstall first");
    }
    if (reinstalledAt == 0) {
      throw refused(
          "cannot finalize: the precopy back "
              + (precopyBack != null && precopyBack.failed() ? "failed; reinstall again" : "runs")
              + "; finalize when it has ended");
    }
  }

  @Override
  public TransitStatus rehearse(RehearsalRequest s) {
    step("rehearse", by(s.by()), String.join(", ", s.accounts()));
    for (String name : s.accounts()) {
      queue.add(new Pending(name, REHEARSAL, by(s.by())));
    }
    message = "rehearsing " + String.join(", ", s.accounts());
    show();
    return status();
  }

  @Override
  public void validateRehearse(RehearsalRequest s) {
    if (state != TransitState.CREATED) {
      throw refused(
          "cannot rehearse: the transit is "
              + state.label()
              + "; a rehearsal comes before request");
    }
    if (s == null || s.accounts() == null || s.accounts().isEmpty()) {
      throw refused("cannot rehearse: name the accounts to rehearse");
    }
    for (String name : s.accounts()) {
      requireIdle(account(name, "rehearse " + name), "rehearse " + name);
    }
    if (s.accounts().stream().distinct().count() < s.accounts().size()) {
      throw refused("cannot rehearse: an account is named twice");
    }
  }
}
