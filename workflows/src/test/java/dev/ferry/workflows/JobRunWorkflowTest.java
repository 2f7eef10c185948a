package dev.ferry.workflows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The job run's parent workflow in Temporal's test environment, with stand-in owners. */
@org.junit.jupiter.api.Timeout(300)
class JobRunWorkflowTest {
  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private FakeJobRunActivities catalog;
  private FakeActivities owners;
  // scans to fail (by run id: how many times, -1 always) in the next start()'s owners
  private java.util.Map<Long, Integer> scanFailures = java.util.Map.of();
  private String scanFailureType = "FerryTransient";
  // the next start()'s automatic reruns, or null for the default
  private Integer maxReruns;

  private JobRunWorkflow start(
      int n, int maxParallel, Limits limits, BandwidthWindows schedule, boolean fast) {
    return start(n, maxParallel, limits, schedule, fast, null);
  }

  private JobRunWorkflow start(
      int n,
      int maxParallel,
      Limits limits,
      BandwidthWindows schedule,
      boolean fast,
      Integer retries) {
    // the many-owner test runs in real time: time skipping raced the parent's run to a timeout
    env =
        TestWorkflowEnvironment.newInstance(
            io.temporal.testing.TestEnvironmentOptions.newBuilder()
                .setUseTimeskipping(schedule != null || !fast)
                .build());
    catalog = new FakeJobRunActivities(n);
    Worker w = env.newWorker(MigrationWorkflow.TASK_QUEUE, WorkerSettings.options().build());
    if (fast) {
      w.registerWorkflowImplementationTypes(JobRunWorkflowImpl.class, FastOwner.class);
      w.registerActivitiesImplementations(catalog);
    } else {
      owners = new FakeActivities(3, 400);
      owners.scanFailures.putAll(scanFailures);
      owners.scanFailureType = scanFailureType;
      w.registerWorkflowImplementationTypes(JobRunWorkflowImpl.class, MigrationWorkflowImpl.class);
      w.registerActivitiesImplementations(catalog, owners);
    }
    env.start();
    client = env.getWorkflowClient();
    JobRunWorkflow wf =
        client.newWorkflowStub(
            JobRunWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(JobRunWorkflow.workflowId("job", 7))
                .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                .build());
    WorkflowClient.start(
        wf::run,
        new JobRunInput(
            "job",
            7,
            RunMode.FULL,
            limits,
            maxParallel,
            schedule,
            null,
            retries,
            null,
            null,
            null,
            null,
            null,
            maxReruns));
    return wf;
  }

  @AfterEach
  void stop() {
    if (env != null) {
      env.close();
    }
  }

  /** Every execution of a workflow id, oldest first (following continue-as-new back). */
  private List<WorkflowExecutionHistory> executions(String workflowId) {
    List<WorkflowExecutionHistory> out = new ArrayList<>();
    WorkflowExecutionHistory h = client.fetchHistory(workflowId);
    while (true) {
      out.addFirst(h);
      String previous =
          h.getEvents()
              .getFirst()
              .getWorkflowExecutionStartedEventAttributes()
              .getContinuedExecutionRunId();
      if (previous.isEmpty()) {
        return out;
      }
      h = client.fetchHistory(workflowId, previous);
    }
  }

  @Test
  void twoThousandOwnersRunThroughTheWindowWithEveryHistoryUnderTenThousandEvents() {
    FastOwner.millis = 30; // real time: long enough for the window to fill
    int n = Integer.getInteger("ferry.owners", 2000);
    JobRunWorkflow wf = start(n, 8, new Limits(8, 0), null, true);
    JobRunStatus end = WorkflowStub.fromTyped(wf).getResult(JobRunStatus.class);
    assertThat(end.started()).isEqualTo(n);
    assertThat(end.completed()).isEqualTo(n);
    assertThat(end.running()).isZero();

    List<WorkflowExecutionHistory> parent = executions(JobRunWorkflow.workflowId("job", 7));
    assertThat(parent.size()).as("the parent continued as new").isGreaterThan(1);
    int inFlight = 0;
    int most = 0;
    int starts = 0;
    List<String> reruns = new java.util.ArrayList<>();
    for (WorkflowExecutionHistory h : parent) {
      assertThat(h.getEvents().size()).isLessThan(10_000);
      for (HistoryEvent e : h.getEvents()) {
        if (e.getEventType() == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) {
          String child = e.getStartChildWorkflowExecutionInitiatedEventAttributes().getWorkflowId();
          if (child.contains("-rerun-")) {
            reruns.add(child);
          }
          starts++;
          most = Math.max(most, ++inFlight);
        } else if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
            && e.getWorkflowExecutionSignaledEventAttributes()
                .getSignalName()
                .equals("ownerDone")) {
          inFlight--;
        }
      }
    }
    assertThat(reruns).as("no owner of this job fails, so none is rerun").isEmpty();
    assertThat(starts).isEqualTo(n);
    assertThat(most).as("owners in flight at once").isBetween(2, 8);
    for (OwnerRef o : catalog.owners) {
      for (WorkflowExecutionHistory h :
          executions(JobRunWorkflow.ownerWorkflowId("job", 7, o.ownerId()))) {
        assertThat(h.getEvents().size()).isLessThan(10_000);
      }
    }
    Histories.record(client, JobRunWorkflow.workflowId("job", 7), "jobrun-continue-as-new");
  }

  @Test
  void aReportReachingANewExecutionBeforeItsFirstTaskEndsTheCarriedOwner() throws Exception {
    // An owner that ends while its parent continues as new reports to the new execution before
    // that one has run: the SDK delivers the signal before the workflow method, and the report
    // must still free the owner (o1 never ran here, so Temporal's check could not free it).
    env =
        TestWorkflowEnvironment.newInstance(
            io.temporal.testing.TestEnvironmentOptions.newBuilder()
                .setUseTimeskipping(false)
                .build());
    catalog = new FakeJobRunActivities(1);
    Worker w = env.newWorker(MigrationWorkflow.TASK_QUEUE, WorkerSettings.options().build());
    w.registerWorkflowImplementationTypes(JobRunWorkflowImpl.class, FastOwner.class);
    w.registerActivitiesImplementations(catalog);
    env.start();
    client = env.getWorkflowClient();
    OwnerRef o1 = catalog.owners.getFirst();
    JobRunInput.Carried carried =
        new JobRunInput.Carried(
            1, List.of(), List.of(o1), null, false, JobRunStatus.empty().with(0, 1, false), 0);
    WorkflowStub wf =
        client.newUntypedWorkflowStub(
            "JobRunWorkflow",
            WorkflowOptions.newBuilder()
                .setWorkflowId(JobRunWorkflow.workflowId("job", 7))
                .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                .build());
    wf.signalWithStart(
        "ownerDone",
        new Object[] {new OwnerDone(o1.runId(), JobState.COMPLETED)},
        new Object[] {
          new JobRunInput(
              "job", 7, RunMode.FULL, new Limits(2, 0), 2, null, null, null, carried, null, null)
        });
    JobRunStatus end = wf.getResult(20, java.util.concurrent.TimeUnit.SECONDS, JobRunStatus.class);
    assertThat(end.completed()).isEqualTo(1);
    assertThat(end.started()).isEqualTo(1);
    assertThat(end.running()).isZero();
    assertThat(catalog.checks).as("no wait for Temporal's check").hasValue(0);
  }

  @Test
  void pauseAndResumeReachEveryRunningOwnerAndNoOwnerStartsWhilePaused() {
    JobRunWorkflow wf = start(5, 2, new Limits(4, 0), null, false);
    await(() -> wf.status().running() == 2 && ownerState("o1") == JobState.RUNNING);
    JobRunStatus p = wf.pause();
    assertThat(p.paused()).isTrue();
    await(() -> ownerState("o1") == JobState.PAUSED && ownerState("o2") == JobState.PAUSED);
    assertThatThrownBy(wf::pause)
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining("the run is already paused");
    env.sleep(Duration.ofSeconds(5));
    assertThat(wf.status().started()).as("no owner starts while paused").isEqualTo(2);
    assertThat(catalog.pausedSeen).containsExactly(true);

    wf.resume();
    JobRunStatus end = WorkflowStub.fromTyped(wf).getResult(JobRunStatus.class);
    assertThat(end.completed()).isEqualTo(5);
    assertThat(catalog.pausedSeen).containsExactly(true, false);
    assertThatThrownBy(wf::resume).isInstanceOf(RuntimeException.class);
    // two owners at once share the job's 4 streams
    assertThat(owners.limitsSeen).contains(new Limits(2, 0));
    Histories.record(client, JobRunWorkflow.workflowId("job", 7), "jobrun-pause-resume");
    Histories.record(
        client, JobRunWorkflow.ownerWorkflowId("job", 7, "o1"), "migration-owner-pause-resume");
  }

  @Test
  void cancellingTheParentCancelsEveryRunningOwnerAndEndsTheOthers() {
    JobRunWorkflow wf = start(6, 3, new Limits(3, 0), null, false);
    await(() -> wf.status().running() == 3 && ownerState("o3") == JobState.RUNNING);
    WorkflowStub.fromTyped(wf).cancel();
    assertThatThrownBy(() -> WorkflowStub.fromTyped(wf).getResult(JobRunStatus.class))
        .isInstanceOf(io.temporal.client.WorkflowFailedException.class);
    assertThat(status(JobRunWorkflow.workflowId("job", 7)))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
    // each running owner reported its end (the parent waited for that) and then closes: under
    // load its last workflow task may come a moment after the parent's
    for (String o : List.of("o1", "o2", "o3")) {
      String id = JobRunWorkflow.ownerWorkflowId("job", 7, o);
      await(() -> status(id) != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
      assertThat(status(id))
          .as(o)
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
    }
    assertThat(catalog.cancelUnstarted).hasValue(1);
    assertThat(wf.status().started()).isEqualTo(3);
    Histories.record(client, JobRunWorkflow.workflowId("job", 7), "jobrun-cancelled");
    Histories.record(
        client, JobRunWorkflow.ownerWorkflowId("job", 7, "o1"), "migration-owner-cancelled");
  }

  @Test
  void theScheduleCapsTheJobFromATimerAtEachBoundaryAndIsSharedAmongTheOwners() {
    // a window opening in 10 minutes and closing 30 minutes later, every day, capped at 40 Mbps
    Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    String from = now.plus(Duration.ofMinutes(10)).atZone(ZoneOffset.UTC).toLocalTime().toString();
    String to = now.plus(Duration.ofMinutes(40)).atZone(ZoneOffset.UTC).toLocalTime().toString();
    BandwidthWindows schedule =
        new BandwidthWindows(
            "UTC",
            List.of(
                new BandwidthWindows.Window(
                    List.of("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"), from, to, 40)));
    FastOwner.millis = Duration.ofHours(2).toMillis();
    FastOwner.limitsSeen.clear();
    JobRunWorkflow wf = start(2, 2, new Limits(4, 0), schedule, true);
    JobRunStatus end = WorkflowStub.fromTyped(wf).getResult(JobRunStatus.class);
    assertThat(end.completed()).isEqualTo(2);
    // each of the two owners got half the cap when the window opened, and no cap when it closed
    // (then the last one alone the whole job's streams)
    assertThat(FastOwner.limitsSeen)
        .startsWith(new Limits(2, 20), new Limits(2, 20), new Limits(2, 0), new Limits(2, 0));
    Histories.record(client, JobRunWorkflow.workflowId("job", 7), "jobrun-schedule");
  }

  /** A rerun's workflow's id: the owner's, then {@code -rerun-<n>}. */
  private static String rerunId(String owner, int n) {
    return JobRunWorkflow.ownerWorkflowId("job", 7, new OwnerRef(owner, 0, null, n));
  }

  /** How long after one workflow closed the next started (the rerun's backoff). */
  private Duration gap(String before, String after) {
    var closed = describe(before).getCloseTime();
    var startedAt = describe(after).getStartTime();
    return Duration.ofSeconds(
        startedAt.getSeconds() - closed.getSeconds(), startedAt.getNanos() - closed.getNanos());
  }

  private io.temporal.api.workflow.v1.WorkflowExecutionInfo describe(String id) {
    return env.getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(env.getNamespace())
                .setExecution(
                    io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(id))
                .build())
        .getWorkflowExecutionInfo();
  }

  private String input(String workflowId) {
    return client
        .fetchHistory(workflowId)
        .getEvents()
        .getFirst()
        .getWorkflowExecutionStartedEventAttributes()
        .getInput()
        .getPayloads(0)
        .getData()
        .toStringUtf8();
  }

  @Test
  void anOwnerFailingThreeRerunsEndsFailedWhileTheOthersComplete() {
    // no retries inside the owner's run: its scan failing once fails the owner as a whole
    scanFailures = java.util.Map.of(2L, -1);
    start(4, 2, new Limits(4, 0), null, false, 0);
    JobRunWorkflow wf =
        client.newWorkflowStub(JobRunWorkflow.class, JobRunWorkflow.workflowId("job", 7));
    JobRunStatus end = WorkflowStub.fromTyped(wf).getResult(JobRunStatus.class);
    assertThat(end.completed()).isEqualTo(3);
    assertThat(end.failed()).isEqualTo(1);
    assertThat(end.reruns()).isEqualTo(3);
    assertThat(end.started()).as("a rerun is not a new owner").isEqualTo(4);
    // each rerun recorded: which attempt, why, incremental
    assertThat(catalog.reruns).extracting(JobRunActivities.Rerun::attempt).containsExactly(2, 3, 4);
    assertThat(catalog.reruns)
        .allSatisfy(
            r -> {
              assertThat(r.runId()).isEqualTo(2);
              assertThat(r.reason()).isEqualTo("scan failed: list /data/o2: Input/output error");
              assertThat(r.mode()).isEqualTo(RunMode.INCREMENTAL);
            });
    // with a backoff of 1, 2 and 4 minutes (durable timers, skipped here)
    String previous = JobRunWorkflow.ownerWorkflowId("job", 7, "o2");
    for (int n = 1; n <= 3; n++) {
      assertThat(gap(previous, rerunId("o2", n)))
          .as("backoff before rerun " + n)
          .isBetween( // the failed attempt closes just after it reported
              Duration.ofMinutes(1L << (n - 1)).minusSeconds(2),
              Duration.ofMinutes(1L << (n - 1)).plusSeconds(30));
      previous = rerunId("o2", n);
    }
    // four attempts, each its own workflow, all FAILED; the others green
    assertThat(status(JobRunWorkflow.ownerWorkflowId("job", 7, "o2")))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED);
    for (int n = 1; n <= 3; n++) {
      assertThat(status(rerunId("o2", n)))
          .as("rerun " + n)
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED);
      assertThat(input(rerunId("o2", n))).contains("\"INCREMENTAL\"");
    }
    assertThat(owners.scanFailures).containsEntry(2L, -1);
    for (String o : List.of("o1", "o3", "o4")) {
      assertThat(status(JobRunWorkflow.ownerWorkflowId("job", 7, o)))
          .as(o)
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    }
    assertThat(listed(rerunId("o2", 4))).isFalse();
  }

  @Test
  void aTransientFailureIsFixedByTheSecondAttempt() {
    scanFailures = java.util.Map.of(1L, 1);
    start(3, 3, new Limits(3, 0), null, false, 0);
    JobRunWorkflow wf =
        client.newWorkflowStub(JobRunWorkflow.class, JobRunWorkflow.workflowId("job", 7));
    JobRunStatus end = WorkflowStub.fromTyped(wf).getResult(JobRunStatus.class);
    assertThat(end.completed()).isEqualTo(3);
    assertThat(end.failed()).isZero();
    assertThat(end.reruns()).isEqualTo(1);
    assertThat(catalog.reruns).hasSize(1);
    assertThat(catalog.reruns.getFirst().attempt()).isEqualTo(2);
    assertThat(status(JobRunWorkflow.ownerWorkflowId("job", 7, "o1")))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED);
    assertThat(status(rerunId("o1", 1)))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    assertThat(listed(rerunId("o1", 2))).isFalse();
    assertThat(gap(JobRunWorkflow.ownerWorkflowId("job", 7, "o1"), rerunId("o1", 1)))
        .isBetween(Duration.ofSeconds(58), Duration.ofSeconds(90));
    Histories.record(client, JobRunWorkflow.workflowId("job", 7), "jobrun-owner-rerun");
    Histories.record(client, rerunId("o1", 1), "migration-owner-rerun");
    Histories.record(
        client,
        JobRunWorkflow.ownerWorkflowId("job", 7, "o1"),
        "migration-owner-failed-before-rerun");
  }

  @Test
  void aFailureARerunCannotFixFailsTheOwnerAtOnce() {
    scanFailureType = MigrationActivities.ACCESS_DENIED;
    scanFailures = java.util.Map.of(3L, -1);
    start(3, 3, new Limits(3, 0), null, false, 0);
    JobRunWorkflow wf =
        client.newWorkflowStub(JobRunWorkflow.class, JobRunWorkflow.workflowId("job", 7));
    JobRunStatus end = WorkflowStub.fromTyped(wf).getResult(JobRunStatus.class);
    assertThat(end.completed()).isEqualTo(2);
    assertThat(end.failed()).isEqualTo(1);
    assertThat(end.reruns()).isZero();
    assertThat(catalog.reruns).isEmpty();
    assertThat(listed(rerunId("o3", 1))).isFalse();
    assertThat(owners.scansStarted).as("one attempt").hasValue(3);
  }

  @Test
  void withoutRerunsAnOwnerFailingAsAWholeFailsAtOnceWithItsCatalogRunEnded() {
    // a plain 'ferry migrate': one owner, its --retries inside the run and no automatic reruns
    maxReruns = 0;
    scanFailures = java.util.Map.of(1L, -1);
    start(1, 1, new Limits(4, 0), null, false, 0);
    JobRunWorkflow wf =
        client.newWorkflowStub(JobRunWorkflow.class, JobRunWorkflow.workflowId("job", 7));
    JobRunStatus end = WorkflowStub.fromTyped(wf).getResult(JobRunStatus.class);
    assertThat(end.failed()).isEqualTo(1);
    assertThat(end.reruns()).isZero();
    assertThat(catalog.reruns).isEmpty();
    assertThat(owners.scansStarted).as("one attempt").hasValue(1);
    assertThat(status(JobRunWorkflow.ownerWorkflowId("job", 7, "o1")))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED);
    assertThat(listed(rerunId("o1", 1))).isFalse();
    // the owner was told no rerun follows: it ended its catalog run itself
    assertThat(input(JobRunWorkflow.ownerWorkflowId("job", 7, "o1"))).contains("\"rerunsLeft\":0");
    Histories.record(client, JobRunWorkflow.workflowId("job", 7), "jobrun-no-reruns");
    Histories.record(
        client, JobRunWorkflow.ownerWorkflowId("job", 7, "o1"), "migration-owner-no-reruns");
  }

  @Test
  void anOwnerWaitingForItsRerunIsCarriedOverContinueAsNew() throws Exception {
    // what an execution hands over when it continues as new while o1 waits for its first rerun
    env = TestWorkflowEnvironment.newInstance();
    catalog = new FakeJobRunActivities(1);
    Worker w = env.newWorker(MigrationWorkflow.TASK_QUEUE);
    w.registerWorkflowImplementationTypes(JobRunWorkflowImpl.class, FastOwner.class);
    w.registerActivitiesImplementations(catalog);
    env.start();
    client = env.getWorkflowClient();
    FastOwner.millis = 10;
    OwnerRef o1 = catalog.owners.getFirst();
    long due = env.currentTimeMillis() + Duration.ofMinutes(2).toMillis();
    JobRunInput.Carried carried =
        new JobRunInput.Carried(
            1,
            List.of(),
            List.of(),
            null,
            false,
            JobRunStatus.empty().with(0, 1, false).rerun(),
            0,
            List.of(new JobRunInput.Waiting(o1.again(), due)));
    JobRunWorkflow wf =
        client.newWorkflowStub(
            JobRunWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(JobRunWorkflow.workflowId("job", 7))
                .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                .build());
    WorkflowClient.start(
        wf::run,
        new JobRunInput(
            "job", 7, RunMode.FULL, new Limits(2, 0), 2, null, null, null, carried, null, null));
    JobRunStatus end = WorkflowStub.fromTyped(wf).getResult(JobRunStatus.class);
    assertThat(end.completed()).isEqualTo(1);
    assertThat(end.reruns()).isEqualTo(1);
    assertThat(status(rerunId("o1", 1)))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    assertThat(describe(rerunId("o1", 1)).getStartTime().getSeconds() * 1000)
        .as("started when its timer, re-armed by the new execution, fired")
        .isGreaterThanOrEqualTo(due - 1000);
    assertThat(input(rerunId("o1", 1))).contains("\"INCREMENTAL\"");
  }

  /** Whether a workflow with this id exists. */
  private boolean listed(String id) {
    try {
      status(id);
      return true;
    } catch (io.grpc.StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND);
      return false;
    }
  }

  @Test
  void theShareSplitsTheJobsLimitsAmongTheOwnersRunning() {
    assertThat(JobRunWorkflowImpl.share(new Limits(8, 100), 100, 1)).isEqualTo(new Limits(8, 100));
    assertThat(JobRunWorkflowImpl.share(new Limits(8, 100), 100, 4)).isEqualTo(new Limits(2, 25));
    assertThat(JobRunWorkflowImpl.share(new Limits(8, 0), 0, 3)).isEqualTo(new Limits(2, 0));
    assertThat(JobRunWorkflowImpl.share(new Limits(1, 10), 10, 3))
        .isEqualTo(new Limits(1, 10 / 3.0));
  }

  /** The owner's state, or null while its workflow has not started. */
  private JobState ownerState(String owner) {
    try {
      return client
          .newWorkflowStub(MigrationWorkflow.class, JobRunWorkflow.ownerWorkflowId("job", 7, owner))
          .progress()
          .state();
    } catch (io.temporal.client.WorkflowNotFoundException e) {
      return null;
    }
  }

  private WorkflowExecutionStatus status(String id) {
    return env.getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(env.getNamespace())
                .setExecution(
                    io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(id))
                .build())
        .getWorkflowExecutionInfo()
        .getStatus();
  }

  private static void await(java.util.function.BooleanSupplier cond) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met in 60 s");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }
}
