package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import dev.ferry.workflows.JobRunWorkflow;
import dev.ferry.workflows.Limits;
import dev.ferry.workflows.MigrationWorkflow;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job run is a JobRunWorkflow whose children are the owners' workflows, on the real stack
 * (PostgreSQL, the Temporal dev server, the server's worker), driven through the API: the sliding
 * window, pause and cancel reaching every owner, and the server stopped and started mid-run.
 */
class JobRunTest {
  static ApiHarness h;
  static Api api;
  static String client;
  static String project;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
    client = api.client("Job runs " + UUID.randomUUID());
    project = api.project(client, "job runs");
  }

  private String job(int owners, int filesEach, int size, Map<String, Object> options)
      throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    List<Map<String, Object>> list = new ArrayList<>();
    for (int o = 0; o < owners; o++) {
      for (int i = 0; i < filesEach; i++) {
        ApiRunTest.write(src.resolve("o" + o + "/f" + i + ".bin"), size, o * 100L + i);
      }
      list.add(Map.of("sourcePath", "o" + o));
    }
    String s = api.localConnection(client, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(client, "dst " + UUID.randomUUID(), dst);
    return api.job(project, s, d, Map.of("owners", list, "options", options));
  }

  private static WorkflowClient temporal() {
    return h.server.runtime().client();
  }

  /** Every execution of a workflow id, oldest first (following continue-as-new back). */
  private static List<WorkflowExecutionHistory> executions(String workflowId) {
    List<WorkflowExecutionHistory> out = new ArrayList<>();
    WorkflowExecutionHistory x = temporal().fetchHistory(workflowId);
    while (true) {
      out.addFirst(x);
      String previous =
          x.getEvents()
              .getFirst()
              .getWorkflowExecutionStartedEventAttributes()
              .getContinuedExecutionRunId();
      if (previous.isEmpty()) {
        return out;
      }
      x = temporal().fetchHistory(workflowId, previous);
    }
  }

  private static WorkflowExecutionInfo describe(String workflowId) {
    return temporal()
        .getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(temporal().getOptions().getNamespace())
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                .build())
        .getWorkflowExecutionInfo();
  }

  private static WorkflowExecutionStatus awaitClosed(String workflowId) {
    ApiHarness.await(
        Duration.ofSeconds(30),
        () ->
            describe(workflowId).getStatus()
                != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    return describe(workflowId).getStatus();
  }

  private static String parentId(String job, long run) {
    return JobRunWorkflow.workflowId(job, run);
  }

  private static JsonNode run(String job, long run) {
    return api.get("/jobs/" + job + "/runs/" + run).json();
  }

  @Test
  void fiftyOwnersRunAsChildrenOfTheJobRunThroughAWindowOfThree() throws Exception {
    String job = job(50, 2, 1024, Map.of("maxParallelOwners", 3, "concurrency", 6));
    long run = api.run(job, "FULL");
    JsonNode end = api.awaitEnd(job);
    assertThat(end.at("/lastRun/state").asText()).isEqualTo("COMPLETED");
    assertThat(end.at("/lastRun/files/transferred").asLong()).isEqualTo(100);
    assertThat(ApiRunTest.FilesCount.of(dir.resolve("dst"))).isEqualTo(100);
    String parent = parentId(job, run);
    assertThat(awaitClosed(parent))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);

    // the parent never had more than three children in flight: started minus reported ended
    int inFlight = 0;
    int most = 0;
    int starts = 0;
    for (WorkflowExecutionHistory x : executions(parent)) {
      for (HistoryEvent e : x.getEvents()) {
        if (e.getEventType() == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) {
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
    assertThat(starts).isEqualTo(50);
    assertThat(most).isEqualTo(3);

    // and the owners' own histories agree: from each one's start to its report, at most three
    List<String> owners = h.server.api().services().launcher.workflowIds(run);
    assertThat(owners).hasSize(50);
    List<long[]> spans = new ArrayList<>();
    for (String o : owners) {
      assertThat(describe(o).getParentExecution().getWorkflowId()).isEqualTo(parent);
      List<HistoryEvent> ev = temporal().fetchHistory(o).getEvents();
      long from =
          ev.getFirst().getEventTime().getSeconds() * 1000
              + ev.getFirst().getEventTime().getNanos() / 1_000_000;
      HistoryEvent report =
          ev.stream()
              .filter(
                  e ->
                      e.getEventType()
                          == EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED)
              .findFirst()
              .orElseThrow();
      long to =
          report.getEventTime().getSeconds() * 1000 + report.getEventTime().getNanos() / 1_000_000;
      spans.add(new long[] {from, to});
    }
    for (long[] s : spans) {
      long at = s[0];
      long overlapping = spans.stream().filter(t -> t[0] <= at && at < t[1]).count();
      assertThat(overlapping).as("owners running at %d", at).isLessThanOrEqualTo(3);
    }
  }

  @Test
  void pauseAndCancelOfTheJobRunReachEveryRunningOwnerAndOwnersNotStartedFollow() throws Exception {
    // six owners of 4 MiB, three at a time, 24 Mbps (3 MB/s) for the job: over four seconds each
    String job =
        job(6, 4, 1 << 20, Map.of("maxParallelOwners", 3, "concurrency", 3, "bwlimitMbps", 24));
    long run = api.run(job, "FULL");
    ApiHarness.await(
        Duration.ofSeconds(60),
        () -> running(run(job, run)) == 3 && run(job, run).at("/bytes/completed").asLong() > 0);

    Res paused = api.post("/jobs/" + job + "/pause", null);
    assertThat(paused.status()).as(paused.toString()).isEqualTo(202);
    ApiHarness.await(
        Duration.ofSeconds(15),
        () -> {
          JsonNode r = run(job, run);
          return r.get("state").asText().equals("PAUSED") && count(r, "paused") == 3;
        });
    Thread.sleep(3000);
    JsonNode r = run(job, run);
    assertThat(count(r, "paused")).as("every running owner paused").isEqualTo(3);
    assertThat(count(r, "queued")).as("no owner starts while paused").isEqualTo(3);
    Res again = api.post("/jobs/" + job + "/pause", null);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().get("error").asText()).isEqualTo("the run is already paused");

    Res cancelled = api.post("/jobs/" + job + "/cancel", null);
    assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(202);
    JsonNode end = api.awaitEnd(job);
    assertThat(end.at("/lastRun/state").asText()).isEqualTo("CANCELLED");
    JsonNode fin = run(job, run);
    assertThat(count(fin, "cancelled")).as(fin.toString()).isEqualTo(6);
    assertThat(awaitClosed(parentId(job, run)))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
    List<String> owners = h.server.api().services().launcher.workflowIds(run);
    assertThat(owners).hasSize(3);
    for (String o : owners) {
      assertThat(awaitClosed(o))
          .as(o)
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
    }
  }

  @Test
  void theServerStoppedMidRunAndStartedAgainCarriesTheRunOnToItsEnd() throws Exception {
    // five owners of 2 MiB, two at a time, 32 Mbps (4 MB/s): about three seconds in all
    String job =
        job(5, 2, 1 << 20, Map.of("maxParallelOwners", 2, "concurrency", 2, "bwlimitMbps", 32));
    long run = api.run(job, "FULL");
    ApiHarness.await(
        Duration.ofSeconds(60), () -> run(job, run).at("/bytes/completed").asLong() > 0);
    h.restartServer(); // API, worker and Temporal dev server stop; all state is in the stores
    JsonNode mid = run(job, run);
    assertThat(mid.get("finishedAt").isNull()).as(mid.toString()).isTrue();
    JsonNode end = api.awaitEnd(job);
    assertThat(end.at("/lastRun/state").asText()).isEqualTo("COMPLETED");
    assertThat(end.at("/lastRun/files/transferred").asLong()).isEqualTo(10);
    assertThat(ApiRunTest.FilesCount.of(dir.resolve("dst"))).isEqualTo(10);
    assertThat(awaitClosed(parentId(job, run)))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    assertThat(h.server.api().services().launcher.workflowIds(run)).hasSize(5);
  }

  @Test
  void newLimitsThroughTheApiReachTheRunningOwnersAndBadOnesOrAnEndedRunAreRefused()
      throws Exception {
    // two owners of 4 MiB at once, 4 streams and 16 Mbps (2 MB/s) for the job: each has 2 and 8
    String job =
        job(2, 4, 1 << 20, Map.of("maxParallelOwners", 2, "concurrency", 4, "bwlimitMbps", 16));
    long run = api.run(job, "FULL");
    String limits = "/jobs/" + job + "/runs/" + run + "/limits";
    ApiHarness.await(Duration.ofSeconds(60), () -> running(run(job, run)) == 2);
    List<String> owners = h.server.api().services().launcher.workflowIds(run);
    assertThat(owners).hasSize(2);
    for (String o : owners) {
      ApiHarness.await(
          Duration.ofSeconds(10), () -> ownerLimits(o).equals(new Limits(2, 8.0, null)));
    }

    // bad input: 400 naming the field, nothing sent
    assertThat(api.post(limits, Map.of("concurrency", 0)).field("concurrency"))
        .isEqualTo("must be between 1 and 32 (got 0)");
    assertThat(api.post(limits, Map.of("bwlimitMbps", -1)).field("bwlimitMbps"))
        .startsWith("must be between 0 and");
    assertThat(api.post(limits, Map.of("concurrency", "many")).field("concurrency"))
        .startsWith("must be a whole number");
    assertThat(api.post(limits, Map.of()).field("body"))
        .isEqualTo("give concurrency, bwlimitMbps or both");
    assertThat(api.post(limits, Map.of("turbo", true)).field("turbo")).isEqualTo("unknown field");
    assertThat(
            api.post("/jobs/" + job + "/runs/" + (run + 1000) + "/limits", Map.of("concurrency", 2))
                .status())
        .isEqualTo(404);
    assertThat(ownerLimits(owners.get(0))).isEqualTo(new Limits(2, 8.0, null));

    // new limits: the parent holds them and re-shares them among the two owners within seconds
    Res changed = api.post(limits, Map.of("concurrency", 8, "bwlimitMbps", 40));
    assertThat(changed.status()).as(changed.toString()).isEqualTo(202);
    assertThat(changed.json().get("concurrency").asInt()).isEqualTo(8);
    assertThat(changed.json().get("bwlimitMbps").asDouble()).isEqualTo(40.0);
    for (String o : owners) {
      ApiHarness.await(
          Duration.ofSeconds(10), () -> ownerLimits(o).equals(new Limits(4, 20.0, null)));
    }
    // a field left out keeps its value: the cap is lifted, the streams stay
    Res lifted = api.post(limits, Map.of("bwlimitMbps", 0));
    assertThat(lifted.status()).as(lifted.toString()).isEqualTo(202);
    assertThat(lifted.json().get("concurrency").asInt()).isEqualTo(8);
    assertThat(temporal().newWorkflowStub(JobRunWorkflow.class, parentId(job, run)).limits())
        .isEqualTo(new Limits(8, 0.0, null));

    JsonNode end = api.awaitEnd(job);
    assertThat(end.at("/lastRun/state").asText()).isEqualTo("COMPLETED");
    assertThat(end.at("/lastRun/files/transferred").asLong()).isEqualTo(8);
    Res late = api.post(limits, Map.of("concurrency", 2));
    assertThat(late.status()).as(late.toString()).isEqualTo(409);
    assertThat(late.json().get("error").asText())
        .isEqualTo("cannot change the limits of a run that is completed");
  }

  @Test
  void aServerOfTheDatabaseOnAnotherTemporalServiceSaysSoRatherThanCallingTheRunEnded()
      throws Exception {
    // 8 Mbps (1 MB/s) for 4 MiB: the run goes on while the other server is asked
    String job = job(1, 4, 1 << 20, Map.of("bwlimitMbps", 8));
    long run = api.run(job, "FULL");
    // a second server of the same database, without TEMPORAL_ADDRESS: a dev server of its own
    Map<String, String> env = new java.util.HashMap<>(h.env);
    env.put("FERRY_HOME", dir.resolve("other-home").toString());
    env.put(
        "FERRY_MASTER_KEY", java.nio.file.Files.readString(h.home.resolve("master.key")).trim());
    try (FerryServer other =
        FerryServer.start(
            env,
            new FerryServer.Listen("127.0.0.1", 0),
            dev.ferry.activities.catalog.ConnectionKinds.defaults())) {
      Api there = ApiHarness.at(other.apiUrl(), h.adminToken);
      String parent = parentId(job, run);
      Res pause = there.post("/jobs/" + job + "/pause", null);
      assertThat(pause.status()).as(pause.toString()).isEqualTo(409);
      assertThat(pause.json().get("error").asText())
          .startsWith("cannot pause this run: its workflow " + parent + " is not on this server's")
          .contains("Every ferry server of one database must use the same Temporal service");
      Res limits =
          there.post("/jobs/" + job + "/runs/" + run + "/limits", Map.of("concurrency", 2));
      assertThat(limits.status()).isEqualTo(409);
      assertThat(limits.json().get("error").asText())
          .startsWith("cannot change the limits of this run: its workflow " + parent);
    }
    assertThat(api.post("/jobs/" + job + "/cancel", null).status()).isEqualTo(202);
    assertThat(api.awaitEnd(job).at("/lastRun/state").asText()).isEqualTo("CANCELLED");
  }

  private static Limits ownerLimits(String workflowId) {
    return temporal().newWorkflowStub(MigrationWorkflow.class, workflowId).limits();
  }

  private static int running(JsonNode run) {
    return count(run, "scanning") + count(run, "running");
  }

  private static int count(JsonNode run, String state) {
    int n = 0;
    for (JsonNode o : run.get("owners")) {
      n += o.get("state").asText().equals(state) ? 1 : 0;
    }
    return n;
  }
}
