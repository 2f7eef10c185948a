package dev.ferry.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Webhook notices and deliveries in Temporal's time-skipping environment: an API job run tells how
 * it ended; a delivery is attempted again with a backoff until it is accepted, and one the receiver
 * refuses for good is given up at once and recorded so.
 */
class NotifyTest {
  TestWorkflowEnvironment env;
  WorkflowClient client;
  FakeNotifyActivities server = new FakeNotifyActivities();

  private void start() {
    env = TestWorkflowEnvironment.newInstance();
    Worker w = env.newWorker(MigrationWorkflow.TASK_QUEUE, WorkerSettings.options().build());
    w.registerWorkflowImplementationTypes(JobRunWorkflowImpl.class, FastOwner.class);
    w.registerActivitiesImplementations(new FakeJobRunActivities(2));
    Worker s = env.newWorker(CutoverWorkflow.SERVER_QUEUE, WorkerSettings.options().build());
    s.registerWorkflowImplementationTypes(WebhookDeliveryWorkflowImpl.class);
    s.registerActivitiesImplementations(server);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void down() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  void anApiJobRunTellsItsEnd() {
    FastOwner.millis = 10;
    start();
    JobRunWorkflow wf =
        client.newWorkflowStub(
            JobRunWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(JobRunWorkflow.workflowId("job", 9))
                .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                .build());
    JobRunStatus end =
        wf.run(
            new JobRunInput(
                "job",
                9,
                RunMode.FULL,
                new Limits(2, 0),
                2,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                true));
    assertThat(end.completed()).isEqualTo(2);
    assertThat(server.notices)
        .containsExactly(
            new NotifyActivities.Notice(NotifyActivities.RUN_ENDED, "job", 9L, null, null, null));
    Histories.record(client, JobRunWorkflow.workflowId("job", 9), "jobrun-notify");
  }

  private WebhookDeliveryWorkflow delivery(long id) {
    return client.newWorkflowStub(
        WebhookDeliveryWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(WebhookDeliveryWorkflow.workflowId(id))
            .setTaskQueue(CutoverWorkflow.SERVER_QUEUE)
            .build());
  }

  @Test
  void aDeliveryIsAttemptedAgainWithABackoffUntilAccepted() {
    start();
    server.failFirst = 2;
    long t0 = env.currentTimeMillis();
    delivery(1).run(new WebhookDeliveryWorkflow.Input(1, 30));
    assertThat(server.attempts).hasValue(3);
    assertThat(env.currentTimeMillis() - t0).isGreaterThanOrEqualTo(90_000); // 30 s, then 60 s
    assertThat(server.gaveUp).isEmpty();
    Histories.record(client, WebhookDeliveryWorkflow.workflowId(1), "webhook-delivered");
  }

  @Test
  void aDeliveryRefusedForGoodIsGivenUpAtOnce() {
    start();
    server.refuse = true;
    delivery(2).run(new WebhookDeliveryWorkflow.Input(2, 30));
    assertThat(server.attempts).hasValue(1);
    assertThat(server.gaveUp)
        .containsExactly(new NotifyActivities.GiveUp(2, "the receiver answered 410"));
    Histories.record(client, WebhookDeliveryWorkflow.workflowId(2), "webhook-gave-up");
  }
}
