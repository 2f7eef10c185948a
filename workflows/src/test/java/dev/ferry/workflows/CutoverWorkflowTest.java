package dev.ferry.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
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
 * The cutover's state machine in Temporal's time-skipping environment: rounds on their interval
 * with their deltas, the steps refused out of order with the reason, the freeze, the final round,
 * the gate, the switch hook run once, the fallback's reminder and end, the abort. Rounds are real
 * {@link JobRunWorkflowImpl} children with fast owners; the server's activities are scripted.
 */
class CutoverWorkflowTest {
  static final CutoverWorkflow.StepRequest ANA = new CutoverWorkflow.StepRequest("ana", null);

  TestWorkflowEnvironment env;
  WorkflowClient client;
  FakeCutoverActivities server;
  FakeNotifyActivities notices;

  @AfterEach
  void down() {
    if (env != null) {
      env.close();
    }
  }

  /** Starts a cutover whose rounds' owners each take {@link FastOwner#millis} (set it first). */
  private CutoverWorkflow start(Integer intervalMinutes, Long readyFiles, long... deltas) {
    env = TestWorkflowEnvironment.newInstance();
    server = new FakeCutoverActivities(deltas);
    Worker w = env.newWorker(MigrationWorkflow.TASK_QUEUE, WorkerSettings.options().build());
    w.registerWorkflowImplementationTypes(
        CutoverWorkflowImpl.class, JobRunWorkflowImpl.class, FastOwner.class);
    w.registerActivitiesImplementations(new FakeJobRunActivities(2));
    notices = new FakeNotifyActivities();
    env.newWorker(CutoverWorkflow.SERVER_QUEUE).registerActivitiesImplementations(server, notices);
    env.start();
    client = env.getWorkflowClient();
    CutoverWorkflow wf =
        client.newWorkflowStub(
            CutoverWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(CutoverWorkflow.workflowId("j"))
                .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                .build());
    WorkflowClient.start(
        wf::run,
        new CutoverInput(
            "j",
            intervalMinutes,
            readyFiles,
            null,
            CutoverInput.DEFAULT_FALLBACK_DAYS,
            "ana",
            null,
            null));
    return wf;
  }

  private void await(BooleanSupplier cond) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!cond.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting").isLessThan(deadline);
      env.sleep(Duration.ofMinutes(1));
    }
  }

  private static void awaitWithoutSkipping(BooleanSupplier cond) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!cond.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting").isLessThan(deadline);
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static String refusal(Runnable step) {
    try {
      step.run();
    } catch (WorkflowUpdateException e) {
      Throwable c = e;
      while (c.getCause() != null) {
        c = c.getCause();
      }
      return ((io.temporal.failure.ApplicationFailure) e.getCause()).getOriginalMessage();
    }
    throw new AssertionError("the step was not refused");
  }

  @Test
  void roundsConvergeThenFreezeVerifySwitchFallbackAndDecommissionInOrder() {
    FastOwner.millis = 10;
    CutoverWorkflow wf = start(10, 5L, 1000, 120, 3, 0, 0);
    // rounds every 10 minutes: the deltas shrink until one is under 5 files
    await(() -> wf.status().rounds().size() >= 3 && !wf.status().roundRunning());
    CutoverStatus s = wf.status();
    assertThat(s.state()).isEqualTo(CutoverState.SYNCING);
    assertThat(s.rounds()).extracting(CutoverStatus.Round::filesCopied).startsWith(1000L, 120L, 3L);
    assertThat(s.rounds().getFirst().mode()).isEqualTo(RunMode.FULL);
    assertThat(s.rounds().get(1).mode()).isEqualTo(RunMode.INCREMENTAL);
    assertThat(s.rounds().get(1).startedAtMillis() - s.rounds().get(0).endedAtMillis())
        .isGreaterThanOrEqualTo(Duration.ofMinutes(10).toMillis());
    assertThat(s.ready()).isTrue();
    assertThat(s.estimatedFinalSyncSeconds()).isEqualTo(60);

    // out of order: refused with the reason
    assertThat(refusal(() -> wf.switchOver(ANA)))
        .isEqualTo("cannot switch before a verification passes: freeze the source first");
    assertThat(refusal(() -> wf.verify(ANA)))
        .startsWith("cannot verify before the source is frozen");
    assertThat(refusal(() -> wf.decommission(ANA)))
        .startsWith("cannot decommission before the switch");

    server.differences.add(3L); // a file changed after the freeze
    waitIdle(wf);
    wf.freeze(ANA);
    await(() -> wf.status().state() == CutoverState.VERIFICATION_FAILED);
    s = wf.status();
    assertThat(server.hooks()).containsExactly("freeze");
    assertThat(s.rounds().getLast().finalRound()).isTrue();
    assertThat(s.rounds().getLast().mode()).isEqualTo(RunMode.INCREMENTAL);
    assertThat(s.lastCheck().differences()).isEqualTo(3);
    assertThat(refusal(() -> wf.switchOver(ANA)))
        .isEqualTo("cannot switch: the last verification found 3 differences");

    // another final round mends it; the gate follows by itself and passes
    wf.round(ANA);
    await(() -> wf.status().state() == CutoverState.VERIFIED);
    assertThat(wf.status().lastCheck().number()).isEqualTo(2);
    assertThat(refusal(() -> wf.freeze(ANA)))
        .isEqualTo("cannot freeze: the source is already frozen");

    wf.switchOver(new CutoverWorkflow.StepRequest("bob", null));
    await(() -> wf.status().state() == CutoverState.FALLBACK);
    assertThat(server.hooks()).containsExactly("freeze", "switch");
    assertThat(refusal(() -> wf.abort(ANA))).startsWith("cannot abort after the switch");
    long ends = wf.status().fallbackEndsAtMillis();

    // thirteen days later the reminder, after fourteen the end of the fallback period
    env.sleep(Duration.ofDays(13).plusHours(1));
    assertThat(wf.status().steps()).extracting(CutoverStatus.Step::name).contains("reminder");
    assertThat(wf.status().steps())
        .extracting(CutoverStatus.Step::name)
        .doesNotContain("fallback ended");
    env.sleep(Duration.ofDays(1));
    assertThat(wf.status().steps()).extracting(CutoverStatus.Step::name).contains("fallback ended");
    assertThat(wf.status().fallbackEndsAtMillis()).isEqualTo(ends);

    wf.decommission(ANA);
    CutoverStatus end = WorkflowStub.fromTyped(wf).getResult(CutoverStatus.class);
    assertThat(end.state()).isEqualTo(CutoverState.DECOMMISSIONED);
    assertThat(end.steps())
        .filteredOn(st -> !st.by().equals(CutoverWorkflowImpl.FERRY))
        .extracting(st -> st.name() + " by " + st.by())
        .containsExactly(
            "start by ana",
            "freeze by ana",
            "round by ana",
            "switch by bob",
            "decommission by ana");
    assertThat(server.hooks()).as("each hook ran exactly once").containsExactly("freeze", "switch");
    assertThat(notices.notices)
        .as("every step told to the webhooks, once")
        .extracting(NotifyActivities.Notice::state)
        .containsExactlyElementsOf(names(end));
    assertThat(server.freezes)
        .as("Ferry's freeze, put back at the decommission")
        .containsExactly("apply", "undo");
    assertThat(names(end))
        .containsSubsequence(
            "freeze",
            CutoverWorkflowImpl.READ_ONLY,
            "switch",
            "decommission",
            CutoverWorkflowImpl.WRITABLE);
    Histories.record(client, CutoverWorkflow.workflowId("j"), "cutover-decommissioned-v3");
  }

  /** Waits until no round runs (a step given meanwhile would wait for it). */
  private void waitIdle(CutoverWorkflow wf) {
    await(() -> !wf.status().roundRunning());
  }

  @Test
  void aDecommissionThatDeletesTheSourceDeletesWhatTheLastPassingVerificationVerified() {
    FastOwner.millis = 10;
    CutoverWorkflow wf = start(null, null, 10, 0);
    await(() -> wf.status().rounds().size() == 1 && !wf.status().roundRunning());
    CutoverWorkflow.StepRequest delete = new CutoverWorkflow.StepRequest("ana", null, true);
    assertThat(refusal(() -> wf.decommission(delete)))
        .startsWith("cannot decommission before the switch");
    server.differences.add(2L);
    wf.freeze(ANA);
    await(() -> wf.status().state() == CutoverState.VERIFICATION_FAILED);
    wf.round(ANA); // the final round again: verification 2 passes
    await(() -> wf.status().state() == CutoverState.VERIFIED);
    wf.switchOver(ANA);
    await(() -> wf.status().state() == CutoverState.FALLBACK);
    wf.decommission(delete);
    CutoverStatus end = WorkflowStub.fromTyped(wf).getResult(CutoverStatus.class);
    assertThat(end.state()).isEqualTo(CutoverState.DECOMMISSIONED);
    assertThat(server.deletions)
        .as("only the files of the last, passing verification")
        .containsExactly(new CutoverActivities.DeleteRequest("j", 2));
    assertThat(end.message()).isEqualTo("decommissioned: " + FakeCutoverActivities.DELETED);
    assertThat(end.steps())
        .extracting(st -> st.name() + " by " + st.by())
        .endsWith(
            "decommission by ana",
            CutoverWorkflowImpl.WRITABLE + " by ferry", // before anything is deleted
            "source deleted by ferry");
    assertThat(end.steps().getLast().outcome()).isEqualTo(FakeCutoverActivities.DELETED);
    Histories.record(client, CutoverWorkflow.workflowId("j"), "cutover-decommission-delete-v2");
  }

  @Test
  void aFailedSwitchHookSwitchesNothingAndIsNotRunAgainByItself() {
    FastOwner.millis = 10;
    CutoverWorkflow wf = start(null, null, 10, 0);
    await(() -> wf.status().rounds().size() == 1 && !wf.status().roundRunning());
    wf.freeze(ANA);
    await(() -> wf.status().state() == CutoverState.VERIFIED);
    server.failSwitchHook = true;
    wf.switchOver(ANA);
    await(
        () ->
            wf.status().message() != null && wf.status().message().contains("switch hook failed"));
    assertThat(wf.status().state()).isEqualTo(CutoverState.VERIFIED);
    for (int i = 0; i < 10; i++) {
      env.sleep(Duration.ofMinutes(1)); // nothing reruns the hook meanwhile
    }
    assertThat(server.hooks()).containsExactly("freeze", "switch");
    server.failSwitchHook = false;
    wf.switchOver(ANA);
    await(() -> wf.status().state() == CutoverState.FALLBACK);
    assertThat(server.hooks()).containsExactly("freeze", "switch", "switch");
  }

  @Test
  void onDemandRoundsOnlyAndAnAbortCancelsTheRunningRound() {
    FastOwner.millis = Duration.ofHours(1).toMillis();
    CutoverWorkflow wf = start(null, null, 50);
    // without moving the test clock: a step of it could bring the round's first check of its
    // owners (a 60 s timer) due in the very moment the abort cancels it, a race Temporal's test
    // server loses (the round's workflow task is never completed and the round never closes)
    awaitWithoutSkipping(() -> wf.status().roundRunning());
    assertThat(refusal(() -> wf.round(ANA))).startsWith("cannot run a round: round 1 is running");
    wf.abort(new CutoverWorkflow.StepRequest("ana", "the client postponed the move"));
    CutoverStatus end = WorkflowStub.fromTyped(wf).getResult(CutoverStatus.class);
    assertThat(end.state()).isEqualTo(CutoverState.ABORTED);
    assertThat(end.message()).contains("aborted by ana: the client postponed the move");
    String round = JobRunWorkflow.workflowId("j", end.rounds().getFirst().jobRunId());
    assertThat(status(round)).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
    assertThat(server.prepared).hasSize(1); // no interval: no round but the first
    assertThat(server.freezes).as("never frozen: nothing to put back").isEmpty();
    Histories.record(client, CutoverWorkflow.workflowId("j"), "cutover-aborted-v4");
  }

  @Test
  void aFreezeFerryAppliedIsPutBackByAnAbort() {
    FastOwner.millis = 10;
    CutoverWorkflow wf = start(null, null, 5, 0);
    waitIdle(wf);
    await(() -> wf.status().rounds().size() == 1 && !wf.status().roundRunning());
    wf.freeze(ANA);
    await(() -> wf.status().state() == CutoverState.VERIFIED);
    assertThat(wf.status().steps())
        .filteredOn(st -> st.name().equals(CutoverWorkflowImpl.READ_ONLY))
        .extracting(CutoverStatus.Step::outcome)
        .containsExactly("write permission removed from 3 files and 1 folder under /src");
    assertThat(server.freezes).containsExactly("apply");
    wf.abort(new CutoverWorkflow.StepRequest("ana", "not this weekend"));
    CutoverStatus end = WorkflowStub.fromTyped(wf).getResult(CutoverStatus.class);
    assertThat(end.state()).isEqualTo(CutoverState.ABORTED);
    assertThat(server.freezes).containsExactly("apply", "undo");
    assertThat(end.steps())
        .filteredOn(st -> st.name().equals(CutoverWorkflowImpl.WRITABLE))
        .extracting(CutoverStatus.Step::outcome)
        .containsExactly("write permission put back on 4 entries");
    Histories.record(client, CutoverWorkflow.workflowId("j"), "cutover-freeze-aborted");
  }

  private WorkflowExecutionStatus status(String id) {
    return client
        .getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace("default")
                .setExecution(
                    io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(id))
                .build())
        .getWorkflowExecutionInfo()
        .getStatus();
  }

  static List<String> names(CutoverStatus s) {
    return s.steps().stream().map(CutoverStatus.Step::name).toList();
  }
}
