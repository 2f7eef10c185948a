package dev.ferry.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The workflow's orchestration in Temporal's test environment, with stand-in activities. */
@org.junit.jupiter.api.Timeout(300)
class MigrationWorkflowTest {
  private TestWorkflowEnvironment env;
  private FakeActivities acts;
  private WorkflowClient client;

  private MigrationWorkflow start(int batches, long batchMillis, RunMode mode) {
    return start(new FakeActivities(batches, batchMillis), mode);
  }

  private MigrationWorkflow start(FakeActivities fakes, RunMode mode) {
    env = TestWorkflowEnvironment.newInstance();
    acts = fakes;
    Worker worker = env.newWorker(MigrationWorkflow.TASK_QUEUE, WorkerSettings.options().build());
    worker.registerWorkflowImplementationTypes(MigrationWorkflowImpl.class);
    worker.registerActivitiesImplementations(acts);
    env.start();
    client = env.getWorkflowClient();
    MigrationWorkflow wf =
        client.newWorkflowStub(
            MigrationWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("wf-test")
                .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                .build());
    WorkflowClient.start(wf::run, new MigrationInput("job", 1, mode, new Limits(4, 0), null));
    return wf;
  }

  @AfterEach
  void stop() {
    if (env != null) {
      env.close();
    }
  }

  private Progress result() {
    try {
      return client
          .newUntypedWorkflowStub("wf-test")
          .getResult(
              Integer.getInteger("ferry.wfTimeout", 120),
              java.util.concurrent.TimeUnit.SECONDS,
              Progress.class);
    } catch (java.util.concurrent.TimeoutException e) {
      String stack;
      try {
        stack = client.newUntypedWorkflowStub("wf-test").query("__stack_trace", String.class);
      } catch (RuntimeException q) {
        stack = "no stack trace: " + q;
      }
      StringBuilder events = new StringBuilder();
      client
          .fetchHistory("wf-test")
          .getEvents()
          .forEach(ev -> events.append(ev.getEventType()).append('\n'));
      throw new AssertionError(
          "the workflow did not finish in time\n" + stack + "\nhistory:\n" + events, e);
    }
  }

  @Test
  void runsEveryBatchAndCompletes() {
    start(7, 10, RunMode.INCREMENTAL);
    Progress p = result();
    assertThat(p.state()).isEqualTo(JobState.COMPLETED);
    assertThat(p.filesTransferred()).isEqualTo(7000);
    assertThat(acts.done).hasSize(7);
    assertThat(acts.states)
        .containsSubsequence(
            JobState.SCANNING, JobState.READY, JobState.RUNNING, JobState.COMPLETED);
    Histories.record(client, "wf-test", "migration-completed");
  }

  @Test
  void aLargeOwnerRunsItsShardsAsChildWorkflowsAndSumsThem() throws Exception {
    FakeActivities fakes = new FakeActivities(6, 60_000);
    fakes.shards = 3;
    MigrationWorkflow wf = start(fakes, RunMode.INCREMENTAL);
    waitFor(() -> acts.transfersStarted.get() >= 6); // two batches in each shard
    // a pause of the owner reaches its shards: their batches stop, and none starts while it holds
    wf.pause();
    waitFor(() -> acts.transfersCancelled.get() >= 6);
    int startedWhilePaused = acts.transfersStarted.get();
    Thread.sleep(1500);
    assertThat(acts.transfersStarted.get()).isEqualTo(startedWhilePaused);
    acts.batchMillis = 10;
    wf.resume();
    Progress p = result();
    assertThat(p.state()).isEqualTo(JobState.COMPLETED);
    assertThat(p.filesTransferred()).as("%s / ends %s", p, acts.shardEnds).isEqualTo(6000);
    // every batch once: the shards' ranges cover the owner without overlap
    assertThat(acts.done).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L);
    for (int i = 1; i <= 3; i++) {
      String id = MigrationWorkflowImpl.shardWorkflowId("wf-test", i);
      assertThat(
              client
                  .newUntypedWorkflowStub(id)
                  .getResult(10, java.util.concurrent.TimeUnit.SECONDS, Progress.class)
                  .filesTransferred())
          .isEqualTo(2000);
    }
    assertThat(acts.shardEnds)
        .filteredOn(e -> e.progress().state() == JobState.COMPLETED)
        .extracting(ShardEnd::index)
        .containsExactlyInAnyOrder(1, 2, 3);
    // the shards leave the run's state to the owner: one end recorded, the owner's
    assertThat(acts.states).containsOnlyOnce(JobState.COMPLETED);
    Histories.record(client, "wf-test", "migration-sharded-owner");
    Histories.record(
        client, MigrationWorkflowImpl.shardWorkflowId("wf-test", 1), "migration-shard");
  }

  @Test
  void aLargeOwnersFiguresMoveWhileItsShardsRunBeforeAnyEnds() throws Exception {
    FakeActivities fakes = new FakeActivities(6, 600_000);
    fakes.shards = 3;
    MigrationWorkflow wf = start(fakes, RunMode.INCREMENTAL);
    fakes.reportTo = client; // each batch reports half its files done once it runs
    // two batches in each shard, each half done: the owner's query and details see all six
    waitFor(() -> wf.progress().filesTransferred() == 3000);
    assertThat(acts.shardEnds)
        .as("no shard has ended")
        .filteredOn(e -> e.progress().state().terminal())
        .isEmpty();
    assertThat(wf.progress().bytesTransferred()).isEqualTo(30_000);
    String details =
        client
            .newUntypedWorkflowStub("wf-test")
            .query("__temporal_workflow_metadata", io.temporal.api.sdk.v1.WorkflowMetadata.class)
            .getCurrentDetails();
    assertThat(details).contains("3,000 of 6,000 files done");
    // once the shards end their results replace what they reported: nothing counted twice
    fakes.release = true;
    fakes.batchMillis = 10;
    Progress p = result();
    assertThat(p.state()).isEqualTo(JobState.COMPLETED);
    assertThat(p.filesTransferred()).isEqualTo(6000);
    assertThat(wf.progress().filesTransferred()).isEqualTo(6000);
    Histories.record(client, "wf-test", "migration-sharded-owner-progress");
    Histories.record(
        client, MigrationWorkflowImpl.shardWorkflowId("wf-test", 1), "migration-shard-progress");
  }

  @Test
  void cancellingALargeOwnerCancelsItsShards() {
    FakeActivities fakes = new FakeActivities(4, 60_000);
    fakes.shards = 2;
    start(fakes, RunMode.INCREMENTAL);
    waitFor(() -> acts.transfersStarted.get() >= 2);
    client.newUntypedWorkflowStub("wf-test").cancel();
    assertThatThrownBy(this::result).hasRootCauseInstanceOf(CanceledFailure.class);
    for (int i = 1; i <= 2; i++) {
      String id = MigrationWorkflowImpl.shardWorkflowId("wf-test", i);
      assertThat(
              client
                  .getWorkflowServiceStubs()
                  .blockingStub()
                  .describeWorkflowExecution(
                      io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest
                          .newBuilder()
                          .setNamespace(client.getOptions().getNamespace())
                          .setExecution(
                              io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                                  .setWorkflowId(id))
                          .build())
                  .getWorkflowExecutionInfo()
                  .getStatus())
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
    }
    assertThat(acts.finished.state()).isEqualTo(JobState.CANCELLED);
  }

  @Test
  void dryRunScansAndMovesNothing() {
    start(3, 10, RunMode.DRY_RUN);
    assertThat(result().state()).isEqualTo(JobState.READY);
    assertThat(acts.transfersStarted.get()).isZero();
    Histories.record(client, "wf-test", "migration-dry-run");
  }

  @Test
  void pauseStopsWorkWithinSecondsAndResumeFinishesIt() throws Exception {
    MigrationWorkflow wf = start(4, 60_000, RunMode.INCREMENTAL);
    waitFor(() -> acts.transfersStarted.get() >= 1);
    wf.pause();
    assertThat(wf.progress().state()).isEqualTo(JobState.PAUSED);
    waitFor(() -> acts.transfersCancelled.get() >= 1);
    int startedWhilePaused = acts.transfersStarted.get();
    Thread.sleep(1500);
    assertThat(acts.transfersStarted.get()).isEqualTo(startedWhilePaused);
    acts.batchMillis = 10;
    wf.resume();
    Progress p = result();
    assertThat(p.state()).isEqualTo(JobState.COMPLETED);
    assertThat(acts.done).hasSize(4);
    Histories.record(client, "wf-test", "migration-pause-resume");
  }

  @Test
  void cancelEndsTheRunWithinSecondsAsCanceledInTemporal() {
    MigrationWorkflow wf = start(4, 60_000, RunMode.INCREMENTAL);
    waitFor(() -> acts.transfersStarted.get() >= 1);
    long t0 = System.nanoTime();
    WorkflowStub.fromTyped(wf).cancel();
    assertThatThrownBy(this::result)
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
    assertThat(status()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
    // the batch in flight was let stop before the end was recorded
    assertThat(acts.transfersCancelled.get()).isGreaterThanOrEqualTo(1);
    assertThat(acts.finished.state()).isEqualTo(JobState.CANCELLED);
    // a finished run takes no more orders
    assertThatThrownBy(wf::pause)
        .isInstanceOfAny(WorkflowUpdateException.class, WorkflowNotFoundException.class);
    Histories.record(client, "wf-test", "migration-cancelled");
  }

  @Test
  void aCancelDuringTheScanEndsCanceled() {
    FakeActivities slowScan = new FakeActivities(2, 10);
    slowScan.scanMillis = 60_000;
    start(slowScan, RunMode.INCREMENTAL);
    waitFor(() -> slowScan.scansStarted.get() >= 1);
    client.newUntypedWorkflowStub("wf-test").cancel();
    assertThatThrownBy(this::result).hasCauseInstanceOf(CanceledFailure.class);
    assertThat(status()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
    assertThat(acts.finished.state()).isEqualTo(JobState.CANCELLED);
    assertThat(acts.transfersStarted.get()).isZero();
    Histories.record(client, "wf-test", "migration-cancelled-in-scan");
  }

  @Test
  void aCancelledRunWhoseAgentIsGoneIsEndedByTheServer() {
    env = TestWorkflowEnvironment.newInstance();
    acts = new FakeActivities(2, 10);
    Worker worker = env.newWorker(MigrationWorkflow.TASK_QUEUE, WorkerSettings.options().build());
    worker.registerWorkflowImplementationTypes(MigrationWorkflowImpl.class);
    worker.registerActivitiesImplementations(acts); // the server's worker; no agent polls its queue
    env.start();
    client = env.getWorkflowClient();
    MigrationWorkflow wf =
        client.newWorkflowStub(
            MigrationWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("wf-test")
                .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                .build());
    WorkflowClient.start(
        wf::run,
        new MigrationInput(
            "job", 1, RunMode.FULL, new Limits(4, 0), null, "ferry-agent-gone", null, null));
    // the scan is on the agent's queue, which nobody polls (a cancel racing the state's record
    // could meet a Temporal test server race: wait for the record first)
    waitFor(() -> acts.states.contains(JobState.SCANNING) && scanScheduled());
    WorkflowStub.fromTyped(wf).cancel();
    // the end waits AGENT_ANSWERS for the agent to take it up (in real time: the test server
    // does not skip time while an activity waits on a queue), then the server records it
    assertThatThrownBy(this::result).hasCauseInstanceOf(CanceledFailure.class);
    assertThat(status()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
    assertThat(acts.scansStarted.get()).as("the scan waited on the agent's queue").isZero();
    assertThat(acts.finished.state()).isEqualTo(JobState.CANCELLED);
    assertThat(acts.finished.message()).contains("agent did not answer");
    Histories.record(client, "wf-test", "migration-cancelled-agent-gone");
  }

  private boolean scanScheduled() {
    return client.fetchHistory("wf-test").getEvents().stream()
        .anyMatch(
            e ->
                e.hasActivityTaskScheduledEventAttributes()
                    && e.getActivityTaskScheduledEventAttributes()
                        .getActivityType()
                        .getName()
                        .equals("Scan"));
  }

  @Test
  void aBatchThatCannotSucceedFailsTheRunWithItsReason() {
    FakeActivities failing = new FakeActivities(2, 10);
    failing.failTransfers = true;
    start(failing, RunMode.FULL);
    assertThatThrownBy(this::result)
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOf(ApplicationFailure.class)
        .satisfies(
            f -> {
              ApplicationFailure af = (ApplicationFailure) f;
              assertThat(af.getType()).isEqualTo(MigrationActivities.ACCESS_DENIED);
              assertThat(af.getOriginalMessage()).contains("access denied by s3://bucket");
            });
    assertThat(status()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED);
    assertThat(acts.finished.state()).isEqualTo(JobState.FAILED);
    assertThat(acts.finished.message()).contains("access denied by s3://bucket");
    // each of the two batches in the window was tried once: the failure is non-retryable
    assertThat(acts.transfersStarted.get()).isEqualTo(2);
    Histories.record(client, "wf-test", "migration-failed");
  }

  private WorkflowExecutionStatus status() {
    return client
        .getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(client.getOptions().getNamespace())
                .setExecution(
                    io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                        .setWorkflowId("wf-test"))
                .build())
        .getWorkflowExecutionInfo()
        .getStatus();
  }

  @Test
  void limitsAreValidatedAndApplyToLaterBatches() {
    MigrationWorkflow wf = start(3, 60_000, RunMode.INCREMENTAL);
    waitFor(() -> acts.transfersStarted.get() >= 1);
    assertThatThrownBy(() -> wf.setLimits(new Limits(0, 0)))
        .isInstanceOf(WorkflowUpdateException.class)
        .hasStackTraceContaining("concurrency must be between 1 and 32 (got 0)");
    assertThatThrownBy(() -> wf.setLimits(new Limits(4, -5)))
        .hasStackTraceContaining("bandwidth limit");
    acts.batchMillis = 10;
    wf.setLimits(new Limits(8, 100));
    assertThat(result().state()).isEqualTo(JobState.COMPLETED);
    assertThat(acts.limitsSeen.getLast()).isEqualTo(new Limits(8, 100));
    assertThat(wf.limits()).isEqualTo(new Limits(8, 100));
    Histories.record(client, "wf-test", "migration-set-limits");
  }

  @Test
  void historyStaysBoundedByContinuingAsNew() {
    int batches = 1100; // 1.1 million files in batches of 1,000
    start(batches, 0, RunMode.INCREMENTAL);
    Progress p = result();
    assertThat(p.state()).isEqualTo(JobState.COMPLETED);
    assertThat(acts.done).hasSize(batches);
    List<Integer> sizes = new ArrayList<>();
    // walk the chain of executions backwards from the last one
    List<HistoryEvent> events = client.fetchHistory("wf-test").getEvents();
    sizes.add(events.size());
    String prev =
        events.getFirst().getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
    while (!prev.isEmpty()) {
      events = client.fetchHistory("wf-test", prev).getEvents();
      sizes.add(events.size());
      assertThat(events.getLast().getEventType())
          .isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
      prev =
          events
              .getFirst()
              .getWorkflowExecutionStartedEventAttributes()
              .getContinuedExecutionRunId();
    }
    assertThat(sizes).hasSizeGreaterThanOrEqualTo(3);
    assertThat(sizes).allSatisfy(n -> assertThat(n).isLessThan(4096));
  }

  private static void waitFor(java.util.function.BooleanSupplier cond) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met in 20 s");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
