package dev.ferry.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.sdk.v1.WorkflowMetadata;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an operator sees of a run in the Temporal UI: the search attributes (ids, kind, phase kept
 * current), the current details with live figures, and a summary on each activity.
 */
@org.junit.jupiter.api.Timeout(120)
class LegibilityTest {
  private TestWorkflowEnvironment env;
  private WorkflowClient client;

  @AfterEach
  void stop() {
    if (env != null) {
      env.close();
    }
  }

  private static final Labels LABELS =
      new Labels(
          "job-1", "7", "client-9", "project-3", "owner-5", null, FerryAttributes.KIND_OWNER);

  private WorkflowStub start(FakeActivities acts, Labels labels, SearchAttributes atStart) {
    env = TestWorkflowEnvironment.newInstance();
    FerryAttributes.definitions().forEach(env::registerSearchAttribute);
    Worker worker = env.newWorker(MigrationWorkflow.TASK_QUEUE, WorkerSettings.options().build());
    worker.registerWorkflowImplementationTypes(MigrationWorkflowImpl.class);
    worker.registerActivitiesImplementations(acts);
    env.start();
    client = env.getWorkflowClient();
    WorkflowOptions.Builder o =
        WorkflowOptions.newBuilder()
            .setWorkflowId("wf-legible")
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE);
    if (atStart != null) {
      o.setTypedSearchAttributes(atStart);
    }
    MigrationWorkflow wf = client.newWorkflowStub(MigrationWorkflow.class, o.build());
    WorkflowClient.start(
        wf::run,
        new MigrationInput("job-1", 7, RunMode.FULL, new Limits(4, 0), null, null, null, labels));
    return client.newUntypedWorkflowStub("wf-legible");
  }

  private String phase(WorkflowStub stub) {
    return stub.describe().getTypedSearchAttributes().get(FerryAttributes.PHASE);
  }

  private String details(WorkflowStub stub) {
    return stub.query("__temporal_workflow_metadata", WorkflowMetadata.class).getCurrentDetails();
  }

  @Test
  void aRunWithFailedFilesShowsItsIdsPhaseAndFiguresAndEndsCompletedWithErrors() {
    FakeActivities acts = new FakeActivities(3, 1500);
    acts.failedPerBatch = 50;
    WorkflowStub stub = start(acts, LABELS, FerryAttributes.atStart(LABELS, "queued"));

    waitFor(() -> "transferring".equals(phase(stub)));
    assertThat(details(stub)).startsWith("**transferring**").contains("of 3,000 files done");

    Progress end = stub.getResult(Progress.class);
    assertThat(end.state()).isEqualTo(JobState.COMPLETED_WITH_ERRORS);
    SearchAttributes sa = stub.describe().getTypedSearchAttributes();
    assertThat(sa.get(FerryAttributes.PHASE)).isEqualTo("completed_with_errors");
    assertThat(sa.get(FerryAttributes.JOB_ID)).isEqualTo("job-1");
    assertThat(sa.get(FerryAttributes.RUN_ID)).isEqualTo("7");
    assertThat(sa.get(FerryAttributes.CLIENT_ID)).isEqualTo("client-9");
    assertThat(sa.get(FerryAttributes.PROJECT_ID)).isEqualTo("project-3");
    assertThat(sa.get(FerryAttributes.OWNER_ID)).isEqualTo("owner-5");
    assertThat(sa.get(FerryAttributes.KIND)).isEqualTo("owner");
    assertThat(sa.containsKey(FerryAttributes.AGENT_ID)).isFalse();
    assertThat(details(stub))
        .startsWith("**completed with errors**")
        .contains("3,000 of 3,000 files done")
        .contains("150 files failed");

    // the timeline says what each activity did
    List<String> summaries =
        client.fetchHistory("wf-legible").getEvents().stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
            .map(LegibilityTest::summary)
            .toList();
    assertThat(summaries)
        .contains(
            "scan: list source and destination, decide per file",
            "state: transferring",
            "plan: next batches after manifest row 0",
            "batch rows 1-1: 1,000 files, 9.8 KiB",
            "batch rows 3-3: 1,000 files, 9.8 KiB",
            "finish: record the end (completed)");
    Histories.record(client, "wf-legible", "migration-labelled-completed-with-errors");
  }

  @Test
  void aRunWithoutLabelsSetsNoAttributesButShowsItsFigures() {
    WorkflowStub stub = start(new FakeActivities(2, 10), null, null);
    assertThat(stub.getResult(Progress.class).state()).isEqualTo(JobState.COMPLETED);
    assertThat(stub.describe().getTypedSearchAttributes().size()).isZero();
    assertThat(details(stub)).startsWith("**completed**").contains("2,000 of 2,000 files done");
  }

  private static String summary(HistoryEvent e) {
    return DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
        e.getUserMetadata().getSummary(), String.class, String.class);
  }

  private static void waitFor(java.util.function.BooleanSupplier cond) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met in 20 s");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
