package dev.ferry.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.storage.Locations;
import dev.ferry.api.runtime.FerryHome;
import dev.ferry.api.runtime.LocalTemporal;
import dev.ferry.workflows.Limits;
import dev.ferry.workflows.MigrationInput;
import dev.ferry.workflows.MigrationWorkflow;
import dev.ferry.workflows.Progress;
import dev.ferry.workflows.RunMode;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A Temporal dev server in a process of its own and two {@code ferry worker} processes polling it:
 * the external-service deployment, for tests that kill the worker running a batch.
 */
final class TwoWorkers implements AutoCloseable {
  private final LocalTemporal temporal;
  private final List<Process> workers = new ArrayList<>();
  private final WorkflowClient client;

  private TwoWorkers(LocalTemporal temporal, WorkflowClient client) {
    this.temporal = temporal;
    this.client = client;
  }

  /** Starts the service and both workers, and waits until both poll. */
  static TwoWorkers start(FerryHarness ferry, Path dir) throws Exception {
    LocalTemporal temporal =
        LocalTemporal.start(new FerryHome(dir.resolve("cluster")), "cluster", ferry.env);
    TwoWorkers t = new TwoWorkers(temporal, WorkflowClient.newInstance(temporal.stubs()));
    try {
      Map<String, String> env =
          Map.of("TEMPORAL_ADDRESS", temporal.address(), "TEMPORAL_NAMESPACE", "default");
      for (int w = 0; w < 2; w++) {
        t.workers.add(ferry.start(dir.resolve("worker" + w + ".log"), env, "worker"));
      }
      for (int w = 0; w < 2; w++) {
        Path log = dir.resolve("worker" + w + ".log");
        MigrateControlTest.waitFor(
            "worker " + w,
            () -> {
              try {
                return Files.readString(log).contains("Ferry worker");
              } catch (java.io.IOException e) {
                return false;
              }
            });
      }
      return t;
    } catch (Exception | AssertionError e) {
      t.close();
      throw e;
    }
  }

  /** A migration started on the service; its run id and workflow id. */
  record Started(long run, String workflowId) {}

  Started migrate(Catalog catalog, String source, String dest, RunOptions options, Limits limits) {
    UUID job =
        catalog.findOrCreateJob(
            "two workers", Locations.canonical(source), Locations.canonical(dest));
    long run = catalog.createRun(job, RunMode.INCREMENTAL, options);
    String workflowId = MigrationWorkflow.workflowId(job.toString(), run);
    catalog.setWorkflowId(run, workflowId);
    MigrationWorkflow wf =
        client.newWorkflowStub(
            MigrationWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
                .build());
    WorkflowClient.start(
        wf::run, new MigrationInput(job.toString(), run, RunMode.INCREMENTAL, limits, null));
    return new Started(run, workflowId);
  }

  /**
   * The worker process running the workflow's transfer batch right now, by the identity Temporal
   * recorded for the activity ({@code pid@host}).
   */
  Process holderOfTheBatch(String workflowId) {
    var pending =
        temporal
            .stubs()
            .blockingStub()
            .describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace("default")
                    .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                    .build())
            .getPendingActivitiesList();
    String identity =
        pending.stream()
            .filter(a -> a.getActivityType().getName().equals("TransferBatch"))
            .findFirst()
            .orElseThrow()
            .getLastWorkerIdentity();
    long pid = Long.parseLong(identity.substring(0, identity.indexOf('@')));
    return workers.stream().filter(p -> p.pid() == pid).findFirst().orElseThrow();
  }

  /** The other worker. */
  Process other(Process worker) {
    return workers.stream().filter(p -> p != worker).findFirst().orElseThrow();
  }

  /** SIGKILL: the process gets no chance to clean up or report. */
  static void kill(Process worker) throws InterruptedException {
    worker.destroyForcibly();
    assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  Progress result(String workflowId, Duration timeout) throws Exception {
    return client
        .newUntypedWorkflowStub(workflowId)
        .getResult(timeout.toSeconds(), TimeUnit.SECONDS, Progress.class);
  }

  @Override
  public void close() throws Exception {
    workers.forEach(Process::destroyForcibly);
    temporal.close();
  }
}
