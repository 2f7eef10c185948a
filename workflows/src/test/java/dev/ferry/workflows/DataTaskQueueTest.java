package dev.ferry.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Activities that touch the storage run on the input's data task queue (an agent's), also after
 * continue-as-new; planning and state changes stay on the workflow's queue.
 */
class DataTaskQueueTest {
  private TestWorkflowEnvironment env;

  @AfterEach
  void stop() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  void scanTransferAndFinishRunOnTheAgentQueueAcrossContinueAsNew() {
    int batches = MigrationWorkflowImpl.BATCHES_PER_EXECUTION + 3;
    FakeActivities central = new FakeActivities(batches, 0);
    FakeActivities agent = new FakeActivities(batches, 0);
    env = TestWorkflowEnvironment.newInstance();
    Worker w = env.newWorker(MigrationWorkflow.TASK_QUEUE, WorkerSettings.options().build());
    w.registerWorkflowImplementationTypes(MigrationWorkflowImpl.class);
    w.registerActivitiesImplementations(central);
    env.newWorker("agent-x").registerActivitiesImplementations(agent);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    MigrationWorkflow wf =
        client.newWorkflowStub(
            MigrationWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("wf-agent")
                .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                .build());
    WorkflowClient.start(
        wf::run,
        new MigrationInput("job", 1, RunMode.INCREMENTAL, new Limits(4, 0), null, "agent-x"));
    Progress p = client.newUntypedWorkflowStub("wf-agent").getResult(Progress.class);

    assertThat(p.state()).isEqualTo(JobState.COMPLETED);
    assertThat(agent.transfersStarted.get()).isGreaterThanOrEqualTo(batches);
    assertThat(central.transfersStarted.get()).isZero();
    assertThat(agent.finished).isNotNull();
    assertThat(central.finished).isNull();
    assertThat(central.states).contains(JobState.SCANNING, JobState.RUNNING);
    assertThat(agent.done).hasSize(batches); // every batch moved by the agent, once
    Histories.record(client, "wf-agent", "migration-agent-continue-as-new");
  }
}
