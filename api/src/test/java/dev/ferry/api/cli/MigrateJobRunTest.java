package dev.ferry.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.activities.catalog.JobRuns;
import dev.ferry.activities.catalog.OwnerRunRow;
import dev.ferry.activities.catalog.RunRow;
import dev.ferry.activities.storage.Locations;
import dev.ferry.api.runtime.FerryHome;
import dev.ferry.api.runtime.LocalTemporal;
import dev.ferry.workflows.FerryAttributes;
import dev.ferry.workflows.JobRunWorkflow;
import dev.ferry.workflows.JobState;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plain {@code ferry migrate SRC DST} is one job run: a {@code JobRunWorkflow} ({@code
 * ferry-job-<job>-run-<n>}) whose one child is the owner's {@code MigrationWorkflow}, the shape of
 * {@code --owners} and of the API's runs, on the real Temporal dev server (run on its own, as with
 * {@code TEMPORAL_ADDRESS}, so that the histories outlive the command).
 */
class MigrateJobRunTest {
  @TempDir static Path home;
  static FerryHarness ferry;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    ferry = new FerryHarness(home);
  }

  @AfterAll
  static void down() throws Exception {
    ferry.close();
  }

  @Test
  void aPlainMigrateIsAJobRunWorkflowWithOneOwnerChildCarryingTheFerryAttributes()
      throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    FerryHarness.awkwardTree(src);
    try (LocalTemporal temporal =
        LocalTemporal.start(new FerryHome(dir.resolve("other-home")), "external", ferry.env)) {
      Map<String, String> env = new HashMap<>(ferry.env);
      env.put("TEMPORAL_ADDRESS", temporal.address());
      env.put("TEMPORAL_NAMESPACE", "default");
      String first = migrate(env, src, dst);
      FerryHarness.assertSameTree(src, dst);

      UUID job = jobOf(src);
      JobRuns jobRuns = new JobRuns(ferry.db.catalog().jdbi());
      long jobRun = jobRuns.latest(job).orElseThrow().id();
      List<OwnerRunRow> owners = jobRuns.ownerRuns(jobRun);
      assertThat(owners).hasSize(1);
      assertThat(owners.getFirst().owner().implicit()).isTrue();
      String ownerId = owners.getFirst().owner().id().toString();
      String parent = JobRunWorkflow.workflowId(job.toString(), jobRun);
      String child = JobRunWorkflow.ownerWorkflowId(job.toString(), jobRun, ownerId);
      // the workflow line names the job run's workflow
      assertThat(first).contains("Workflow " + parent + ": its history stays in your Temporal");

      // as an operator asks: the job run and its one owner, nothing else
      assertThat(temporalList(temporal, "FerryJobId='" + job + "'"))
          .containsExactlyInAnyOrder(parent, child);
      assertThat(temporalList(temporal, "FerryJobId='" + job + "' AND FerryKind='owner'"))
          .containsExactly(child);

      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.address()).build());
      try {
        WorkflowExecutionInfo p = describe(stubs, parent);
        assertThat(p.getType().getName()).isEqualTo("JobRunWorkflow");
        assertThat(p.getStatus())
            .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
        assertThat(attributes(p))
            .containsEntry("FerryJobId", job.toString())
            .containsEntry("FerryRunId", String.valueOf(jobRun))
            .containsEntry("FerryKind", FerryAttributes.KIND_JOB_RUN);
        WorkflowExecutionInfo c = describe(stubs, child);
        assertThat(c.getType().getName()).isEqualTo("MigrationWorkflow");
        assertThat(c.getParentExecution().getWorkflowId()).isEqualTo(parent);
        assertThat(c.getStatus())
            .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
        assertThat(attributes(c))
            .containsEntry("FerryJobId", job.toString())
            .containsEntry("FerryRunId", String.valueOf(jobRun))
            .containsEntry("FerryOwnerId", ownerId)
            .containsEntry("FerryKind", FerryAttributes.KIND_OWNER);
      } finally {
        stubs.shutdownNow();
      }

      // the same command again is the job's next run, incremental, of the same owner
      String second = migrate(env, src, dst);
      long again = jobRuns.latest(job).orElseThrow().id();
      assertThat(again).isGreaterThan(jobRun);
      assertThat(jobRuns.ownerRuns(again).getFirst().owner().id().toString()).isEqualTo(ownerId);
      assertThat(second).contains("0 transferred").doesNotContain("Resuming");
      assertThat(temporalList(temporal, "FerryJobId='" + job + "' AND FerryKind='job_run'"))
          .containsExactlyInAnyOrder(parent, JobRunWorkflow.workflowId(job.toString(), again));
    }
  }

  @Test
  void pauseResumeAndCtrlCOfAPlainMigrateGoThroughItsJobRun() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    MigrateControlTest.slowTree(src); // about ten seconds at 32 Mbps
    Path log = dir.resolve("out.log");
    try (LocalTemporal temporal =
        LocalTemporal.start(new FerryHome(dir.resolve("other-home")), "external", ferry.env)) {
      Process p =
          ferry.start(
              log,
              Map.of("TEMPORAL_ADDRESS", temporal.address(), "TEMPORAL_NAMESPACE", "default"),
              "migrate",
              src.toString(),
              dst.toString(),
              "--bwlimit",
              "32");
      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.address()).build());
      try {
        MigrateControlTest.waitFor(
            "files to be copied",
            () -> {
              assertThat(p.isAlive()).as(read(log)).isTrue();
              RunRow r = latestOwnerRun(src);
              return r != null && r.filesDone() >= 1;
            });
        UUID job = jobOf(src);
        long jobRun = new JobRuns(ferry.db.catalog().jdbi()).latest(job).orElseThrow().id();
        String parent = JobRunWorkflow.workflowId(job.toString(), jobRun);
        JobRunWorkflow wf =
            WorkflowClient.newInstance(stubs).newWorkflowStub(JobRunWorkflow.class, parent);
        // the Updates an operator sends to the id the docs name reach the owner
        assertThat(wf.pause().paused()).isTrue();
        MigrateControlTest.waitFor(
            "the owner to pause", () -> latestOwnerRun(src).state() == JobState.PAUSED);
        MigrateControlTest.waitFor("the command to say so", () -> read(log).contains("Paused."));
        assertThat(wf.resume().paused()).isFalse();
        MigrateControlTest.waitFor(
            "the owner to resume", () -> latestOwnerRun(src).state() == JobState.RUNNING);
        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = read(log);
        assertThat(p.exitValue()).as(out).isEqualTo(Ferry.EXIT_CANCELLED);
        assertThat(out).contains("Cancelling").contains("Cancelled in");
        assertThat(latestOwnerRun(src).state()).isEqualTo(JobState.CANCELLED);
        // the job run ends CANCELED in Temporal, and so does its owner
        assertThat(describe(stubs, parent).getStatus())
            .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
        assertThat(describe(stubs, latestOwnerRun(src).workflowId()).getStatus())
            .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
      } finally {
        p.destroyForcibly();
        stubs.shutdownNow();
      }
    }
  }

  private static String read(Path log) {
    try {
      return java.nio.file.Files.readString(log);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  /** The catalog run of the latest run's owner. */
  private static RunRow latestOwnerRun(Path src) {
    return ferry
        .db
        .catalog()
        .jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select r.id from runs r join jobs j on j.id = r.job_id"
                            + " where j.source_uri = ? order by r.id desc limit 1")
                    .bind(0, Locations.canonical(src.toString()))
                    .mapTo(Long.class)
                    .findOne())
        .map(id -> ferry.db.catalog().run(id))
        .orElse(null);
  }

  private static String migrate(Map<String, String> env, Path src, Path dst) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
    int code = Ferry.execute(env, ps, ps, "migrate", src.toString(), dst.toString());
    assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
    return out.toString(StandardCharsets.UTF_8);
  }

  private static UUID jobOf(Path src) {
    return ferry
        .db
        .catalog()
        .jdbi()
        .withHandle(
            h ->
                h.createQuery("select id from jobs where source_uri = ? and parent_job_id is null")
                    .bind(0, Locations.canonical(src.toString()))
                    .mapTo(UUID.class)
                    .one());
  }

  private static WorkflowExecutionInfo describe(WorkflowServiceStubs stubs, String id) {
    return stubs
        .blockingStub()
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace("default")
                .setExecution(
                    io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(id))
                .build())
        .getWorkflowExecutionInfo();
  }

  /** A workflow's keyword search attributes, by name. */
  private static Map<String, String> attributes(WorkflowExecutionInfo info) {
    Map<String, String> out = new HashMap<>();
    info.getSearchAttributes()
        .getIndexedFieldsMap()
        .forEach(
            (k, v) ->
                out.put(
                    k,
                    String.valueOf(
                        DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
                            v, Object.class, Object.class))));
    return out;
  }

  /** The workflow ids {@code temporal workflow list --query QUERY} prints, as a user runs it. */
  private static List<String> temporalList(LocalTemporal temporal, String query) throws Exception {
    Process p =
        new ProcessBuilder(
                FerryHarness.temporalBinary().toString(),
                "workflow",
                "list",
                "--address",
                temporal.address(),
                "--namespace",
                "default",
                "--query",
                query,
                "--output",
                "json")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    List<String> ids = new ArrayList<>();
    for (JsonNode e : new ObjectMapper().readTree(out.isBlank() ? "[]" : out)) {
      ids.add(e.path("execution").path("workflowId").asText());
    }
    return ids.stream().distinct().toList();
  }
}
