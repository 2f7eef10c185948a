package dev.ferry.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The transit cutover in Temporal's time-skipping environment: the precopy, the two-week free
 * window and the overage billed per started day, accounts moved and moved back (allowed until the
 * reinstall, refused after with the reason), the reinstall's precopy back, the one-week
 * finalization with its reminder a day before and the overrun recorded, a failing account move
 * retried three times and left serving on its old server (never routed), a rehearsal, a shared
 * transit. The precopies and the accounts' files are real {@link JobRunWorkflowImpl} children with
 * fast owners, each move a real {@link AccountMoveWorkflowImpl}; the server's activities (catalog,
 * hooks, PostgreSQL) are scripted.
 */
class TransitCutoverWorkflowTest {
  static final TransitCutoverWorkflow.StepRequest OPS =
      new TransitCutoverWorkflow.StepRequest("ops", null);
  static final long DAY = Duration.ofDays(1).toMillis();

  TestWorkflowEnvironment env;
  WorkflowClient client;
  FakeTransitActivities server;
  FakeNotifyActivities notices;

  @AfterEach
  void down() {
    if (env != null) {
      env.close();
    }
  }

  private TransitCutoverWorkflow start(String id, boolean shared) {
    FastOwner.millis = 10;
    env = TestWorkflowEnvironment.newInstance();
    server = new FakeTransitActivities();
    Worker w = env.newWorker(MigrationWorkflow.TASK_QUEUE, WorkerSettings.options().build());
    w.registerWorkflowImplementationTypes(
        TransitCutoverWorkflowImpl.class,
        AccountMoveWorkflowImpl.class,
        JobRunWorkflowImpl.class,
        FastOwner.class);
    w.registerActivitiesImplementations(new FakeJobRunActivities(1));
    notices = new FakeNotifyActivities();
    env.newWorker(CutoverWorkflow.SERVER_QUEUE).registerActivitiesImplementations(server, notices);
    env.start();
    client = env.getWorkflowClient();
    TransitCutoverWorkflow wf =
        client.newWorkflowStub(
            TransitCutoverWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(TransitCutoverWorkflow.workflowId(id))
                .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                .build());
    WorkflowClient.start(
        wf::run,
        new TransitInput(
            id,
            "c1",
            shared,
            List.of(
                new TransitInput.Account("alpha", List.of("alpha_db")),
                new TransitInput.Account("beta", List.of("beta_db")),
                new TransitInput.Account("gamma", List.of())),
            "pg-server",
            "pg-transit",
            TransitInput.DEFAULT_FREE_DAYS,
            TransitInput.DEFAULT_FINALIZE_DAYS,
            250L,
            "out-job",
            "back-job",
            "ana",
            null,
            null));
    return wf;
  }

  private void await(BooleanSupplier cond) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!cond.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting").isLessThan(deadline);
      env.sleep(Duration.ofSeconds(10));
    }
  }

  private static String refusal(Runnable step) {
    try {
      step.run();
    } catch (WorkflowUpdateException e) {
      return ((io.temporal.failure.ApplicationFailure) e.getCause()).getOriginalMessage();
    }
    throw new AssertionError("the step was not refused");
  }

  private static TransitCutoverWorkflow.AccountRequest by(String who, String account) {
    return new TransitCutoverWorkflow.AccountRequest(who, account);
  }

  private static TransitStatus.AccountStatus account(TransitStatus s, String name) {
    return s.accounts().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
  }

  private void moveAndWait(TransitCutoverWorkflow wf, String account, String expectedLocation) {
    wf.moveAccount(by("user", account));
    await(
        () ->
            wf.status().moving() == null
                && wf.status().queued().isEmpty()
                && account(wf.status(), account).location().equals(expectedLocation));
  }

  @Test
  void theFreeWindowEndsTwoWeeksAfterReadyThenEachStartedDayIsBilledAndNotified() {
    TransitCutoverWorkflow wf = start("t1", false);
    assertThat(refusal(() -> wf.moveAccount(by("user", "alpha"))))
        .isEqualTo(
            "cannot move alpha: the transit is created (request it first); accounts move once it"
                + " is ready");
    wf.request(OPS);
    await(() -> wf.status().state() == TransitState.READY);
    TransitStatus s = wf.status();
    assertThat(s.precopy().jobRunId()).isPositive();
    assertThat(s.precopy().filesCopied()).isEqualTo(12);
    assertThat(server.copies.getFirst())
        .isEqualTo(new TransitActivities.CopyRequest("t1", TransitActivities.OUT, null));
    assertThat(s.freeUntilMillis() - s.readyAtMillis()).isEqualTo(14 * DAY);

    moveAndWait(wf, "alpha", TransitStatus.TRANSIT);
    env.sleep(Duration.ofMillis(s.freeUntilMillis() - env.currentTimeMillis() - 60_000));
    assertThat(wf.status().overageDays()).as("a minute before the window ends").isZero();
    env.sleep(Duration.ofMinutes(2));
    assertThat(wf.status().overageDays()).as("the first day past the window started").isEqualTo(1);
    env.sleep(Duration.ofDays(2).plusHours(12));
    TransitStatus o = wf.status();
    assertThat(o.overageDays()).isEqualTo(3);
    assertThat(o.overageCents()).isEqualTo(750);
    assertThat(o.steps())
        .filteredOn(st -> st.name().equals("overage"))
        .extracting(st -> (st.atMillis() - o.freeUntilMillis()) / 60_000)
        .as("each recorded when its day starts")
        .containsExactly(0L, 24 * 60L, 48 * 60L);
    assertThat(notices.notices)
        .filteredOn(n -> n.event().equals(NotifyActivities.TRANSIT_OVERAGE))
        .hasSize(3)
        .allSatisfy(n -> assertThat(n.jobId()).isEqualTo("out-job"));
    assertThat(notices.notices)
        .filteredOn(n -> n.event().equals(NotifyActivities.TRANSIT_STEP))
        .extracting(NotifyActivities.Notice::state)
        .startsWith("create", "request", "precopy", "ready", "move-account", "moved");
  }

  @Test
  void accountsMoveAndBackUntilTheReinstallThenTheFinalizationHasItsDeadline() {
    TransitCutoverWorkflow wf = start("t2", false);
    wf.request(OPS);
    await(() -> wf.status().state() == TransitState.READY);
    moveAndWait(wf, "alpha", TransitStatus.TRANSIT);
    TransitStatus.Move m = wf.status().moves().getLast();
    assertThat(m.result().ok()).isTrue();
    assertThat(m.result().expectedSeconds()).as("a minute per GB of 2.5 GB").isEqualTo(150);
    assertThat(m.result().tablesCompared()).isEqualTo(1);
    assertThat(server.hooksOf("alpha"))
        .containsExactly("freeze alpha", "route alpha transit", "unfreeze alpha");
    assertThat(server.databaseMoves.getLast())
        .isEqualTo(
            new DatabaseActivities.MoveRequest(
                new DatabaseActivities.DatabaseRef("pg-server", "alpha_db"),
                new DatabaseActivities.DatabaseRef("pg-transit", "alpha_db"),
                "t2-1"));
    assertThat(server.copies.getLast())
        .isEqualTo(new TransitActivities.CopyRequest("t2", TransitActivities.OUT, "alpha"));
    assertThat(refusal(() -> wf.moveAccount(by("user", "alpha"))))
        .isEqualTo("cannot move alpha: it is on the transit already (move-back brings it back)");

    // back before the reinstall: allowed; the reinstall wants every account on the transit
    wf.moveBack(by("user", "alpha"));
    await(() -> account(wf.status(), "alpha").location().equals(TransitStatus.SERVER));
    assertThat(server.copies.getLast())
        .isEqualTo(new TransitActivities.CopyRequest("t2", TransitActivities.BACK, "alpha"));
    moveAndWait(wf, "beta", TransitStatus.TRANSIT);
    moveAndWait(wf, "gamma", TransitStatus.TRANSIT);
    assertThat(refusal(() -> wf.reinstall(OPS)))
        .isEqualTo(
            "cannot reinstall: 1 account(s) still on the client server (alpha); move every"
                + " account to the transit first");
    moveAndWait(wf, "alpha", TransitStatus.TRANSIT);
    assertThat(refusal(() -> wf.finalizeTransit(finalizeBy("user"))))
        .startsWith("cannot finalize: the client server is not reinstalled");

    wf.reinstall(new TransitCutoverWorkflow.StepRequest("ops", "new hardware"));
    await(() -> wf.status().reinstalledAtMillis() != 0);
    assertThat(wf.status().precopyBack().filesCopied()).isEqualTo(12);
    assertThat(refusal(() -> wf.moveBack(by("user", "beta"))))
        .startsWith("cannot move beta back: the client server was reinstalled (by ops at ")
        .endsWith("so the old server is gone; accounts go home through the finalization");
    assertThat(refusal(() -> wf.moveAccount(by("user", "beta"))))
        .startsWith("cannot move beta: the client server is being reinstalled");

    wf.finalizeTransit(finalizeBy("user"));
    TransitStatus f = wf.status();
    assertThat(f.state()).isEqualTo(TransitState.FINALIZING);
    long deadline = f.finalizeByMillis();
    assertThat(deadline - env.currentTimeMillis()).isBetween(7 * DAY - 60_000, 7 * DAY);
    moveAndWait(wf, "alpha", TransitStatus.SERVER);
    assertThat(account(wf.status(), "alpha").state()).isEqualTo("home");
    assertThat(server.databaseMoves.getLast().to())
        .isEqualTo(new DatabaseActivities.DatabaseRef("pg-server", "alpha_db"));

    env.sleep(Duration.ofMillis(deadline - DAY - env.currentTimeMillis() - 60_000));
    assertThat(wf.status().reminded()).isFalse();
    env.sleep(Duration.ofMinutes(2));
    assertThat(wf.status().reminded()).as("a day before the deadline").isTrue();
    assertThat(wf.status().steps().getLast().outcome())
        .contains("2 account(s) still on the transit [beta, gamma]");
    assertThat(wf.status().overrun()).isFalse();
    env.sleep(Duration.ofDays(1));
    assertThat(wf.status().overrun()).isTrue();
    assertThat(notices.notices).extracting(NotifyActivities.Notice::state).contains("overrun");

    moveAndWait(wf, "beta", TransitStatus.SERVER);
    wf.moveAccount(by("support", "gamma"));
    TransitStatus end = WorkflowStub.fromTyped(wf).getResult(TransitStatus.class);
    assertThat(end.state()).isEqualTo(TransitState.FINISHED);
    assertThat(end.message())
        .startsWith("finished: every account is home, 1 day(s) after the deadline");
    assertThat(end.accounts()).extracting(TransitStatus.AccountStatus::state).containsOnly("home");
    assertThat(end.steps())
        .filteredOn(st -> !st.by().equals(TransitCutoverWorkflowImpl.FERRY))
        .extracting(st -> st.name() + " by " + st.by())
        .containsExactly(
            "create by ana",
            "request by ops",
            "move-account by user",
            "move-back by user",
            "move-account by user",
            "move-account by user",
            "move-account by user",
            "reinstall by ops",
            "finalize by ops",
            "move-account by user",
            "move-account by user",
            "move-account by support");
    assertThat(end.overageDays()).as("finished within the two weeks: nothing billed").isZero();
    Histories.record(client, TransitCutoverWorkflow.workflowId("t2"), "transit-finished");
    Histories.record(
        client, AccountMoveWorkflow.workflowId("t2", 1, "alpha"), "transit-account-moved");
  }

  private static TransitCutoverWorkflow.FinalizeRequest finalizeBy(String who) {
    return new TransitCutoverWorkflow.FinalizeRequest("ops", who);
  }

  @Test
  void aFailingAccountMoveIsRetriedThreeTimesThenLeftServingOnItsOldServer() {
    TransitCutoverWorkflow wf = start("t3", false);
    wf.request(OPS);
    await(() -> wf.status().state() == TransitState.READY);
    server.failing.add("beta_db");
    wf.moveAccount(by("user", "beta"));
    wf.moveAccount(by("user", "alpha")); // queued behind beta
    assertThat(wf.status().queued()).contains("alpha");
    await(() -> wf.status().moves().size() == 2);
    TransitStatus s = wf.status();
    TransitStatus.Move beta = s.moves().getFirst();
    assertThat(beta.account()).isEqualTo("beta");
    assertThat(beta.result().ok()).isFalse();
    assertThat(beta.result().attempts()).isEqualTo(4);
    assertThat(beta.result().problems())
        .hasSize(4)
        .allSatisfy(p -> assertThat(p).contains("database beta_db: table public.t: 10 rows"));
    assertThat(beta.result().endedAtMillis() - beta.result().startedAtMillis())
        .as("waits of 1, 2 and 4 minutes between the attempts")
        .isGreaterThanOrEqualTo(Duration.ofMinutes(7).toMillis());
    assertThat(server.hooksOf("beta"))
        .as("never routed: frozen and unfrozen on its old server at each attempt")
        .containsExactly(
            "freeze beta",
            "unfreeze beta",
            "freeze beta",
            "unfreeze beta",
            "freeze beta",
            "unfreeze beta",
            "freeze beta",
            "unfreeze beta");
    TransitStatus.AccountStatus b = account(s, "beta");
    assertThat(b.location()).isEqualTo(TransitStatus.SERVER);
    assertThat(b.state()).isEqualTo("serving");
    assertThat(b.failedMoves()).isEqualTo(1);
    assertThat(s.steps())
        .extracting(CutoverStatus.Step::name)
        .containsSubsequence("move failed", "moved");
    assertThat(account(s, "alpha").location()).isEqualTo(TransitStatus.TRANSIT);
    Histories.record(client, TransitCutoverWorkflow.workflowId("t3"), "transit-move-failed");
    Histories.record(
        client, AccountMoveWorkflow.workflowId("t3", 1, "beta"), "transit-account-gave-up");
  }

  @Test
  void aRehearsalMovesCopiesThereAndBackWithoutTouchingWhereTheAccountIsServed() {
    TransitCutoverWorkflow wf = start("t4", false);
    wf.rehearse(new TransitCutoverWorkflow.RehearsalRequest("ops", List.of("alpha", "gamma")));
    assertThat(refusal(() -> wf.request(OPS))).startsWith("cannot request: the rehearsal of ");
    await(() -> wf.status().moves().size() == 2);
    TransitStatus s = wf.status();
    assertThat(s.moves()).extracting(TransitStatus.Move::to).containsOnly("rehearsal");
    assertThat(s.moves()).allSatisfy(m -> assertThat(m.result().ok()).isTrue());
    assertThat(s.moves().getFirst().result().expectedSeconds()).isEqualTo(150);
    assertThat(server.hooks).as("no hook runs in a rehearsal").isEmpty();
    assertThat(server.databaseMoves)
        .extracting(
            m ->
                m.from().connectionId()
                    + "/"
                    + m.from().database()
                    + " -> "
                    + m.to().connectionId()
                    + "/"
                    + m.to().database())
        .containsExactly(
            "pg-server/alpha_db -> pg-transit/alpha_db_ferry_rehearsal",
            "pg-transit/alpha_db_ferry_rehearsal -> pg-server/alpha_db_ferry_rehearsal_back");
    assertThat(s.accounts())
        .extracting(TransitStatus.AccountStatus::location)
        .containsOnly("server");
    assertThat(s.state()).isEqualTo(TransitState.CREATED);
    wf.request(OPS);
    await(() -> wf.status().state() == TransitState.READY);
    assertThat(
            refusal(
                () ->
                    wf.rehearse(
                        new TransitCutoverWorkflow.RehearsalRequest("ops", List.of("beta")))))
        .isEqualTo("cannot rehearse: the transit is ready; a rehearsal comes before request");
  }

  @Test
  void aSharedTransitHasNoPrecopyNoWindowAndNoDeadline() {
    TransitCutoverWorkflow wf = start("t5", true);
    wf.request(OPS);
    await(() -> wf.status().state() == TransitState.READY);
    assertThat(server.copies).as("no precopy").isEmpty();
    assertThat(wf.status().freeUntilMillis()).isZero();
    moveAndWait(wf, "alpha", TransitStatus.TRANSIT);
    moveAndWait(wf, "beta", TransitStatus.TRANSIT);
    moveAndWait(wf, "gamma", TransitStatus.TRANSIT);
    env.sleep(Duration.ofDays(30));
    assertThat(wf.status().overageDays()).isZero();
    wf.reinstall(OPS);
    await(() -> wf.status().reinstalledAtMillis() != 0);
    wf.finalizeTransit(finalizeBy("user"));
    assertThat(wf.status().finalizeByMillis()).isZero();
    env.sleep(Duration.ofDays(10));
    assertThat(wf.status().overrun()).isFalse();
    assertThat(wf.status().steps()).extracting(CutoverStatus.Step::name).doesNotContain("reminder");
  }
}
