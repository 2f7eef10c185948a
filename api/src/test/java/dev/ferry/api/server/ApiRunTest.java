package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import dev.ferry.workflows.Heartbeats;
import io.temporal.common.converter.DefaultDataConverter;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs run through the API on the real stack (PostgreSQL, the Temporal dev server, the central
 * worker): dry run with its scan report, full and incremental runs with live progress, the run log
 * and the CSV report, owners, and pause / resume / cancel over HTTP.
 */
class ApiRunTest {
  static ApiHarness h;
  static Api api;
  static String client;
  static String project;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
    client = api.client("Runs " + UUID.randomUUID());
    project = api.project(client, "runs");
  }

  static void write(Path f, int size, long seed) throws IOException {
    Files.createDirectories(f.getParent());
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    Files.write(f, b);
  }

  static List<CSVRecord> csv(String text) throws IOException {
    return CSVFormat.DEFAULT
        .builder()
        .setCommentMarker('#')
        .setHeader()
        .setSkipHeaderRecord(true)
        .get()
        .parse(new StringReader(text))
        .getRecords();
  }

  String job(Path src, Path dst, Map<String, Object> extra) {
    String s = api.localConnection(client, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(client, "dst " + UUID.randomUUID(), dst);
    return api.job(project, s, d, extra);
  }

  @Test
  void dryRunCountsSizesAndRefusedNamesAndMovesNothing() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int i = 0; i < 12; i++) {
      write(src.resolve("docs/f" + i + ".bin"), 1000 + i, i);
    }
    // an ordinary name on a POSIX file system: copied, not refused
    String text = "a backslash a Windows share would split";
    Files.writeString(src.resolve("back\\slash.txt"), text);
    String job = job(src, dst, Map.of());
    long run = api.run(job, "DRY_RUN");
    JsonNode j = api.awaitEnd(job);
    assertThat(j.get("state").asText()).isEqualTo("READY");
    JsonNode r = j.get("lastRun");
    assertThat(r.get("id").asLong()).isEqualTo(run);
    assertThat(r.at("/files/total").asLong()).as(r.toString()).isEqualTo(13);
    assertThat(r.at("/files/skipped").asLong()).isEqualTo(13); // a scanned file counts as skipped
    assertThat(r.at("/files/failed").asLong()).isZero();
    assertThat(r.at("/bytes/found").asLong()).isEqualTo(12 * 1000 + 66 + text.length());
    assertThat(r.at("/bytes/total").asLong()).isEqualTo(12 * 1000 + 66 + text.length());
    assertThat(r.at("/bytes/completed").asLong()).isZero();
    JsonNode owner = api.get("/jobs/" + job + "/runs/" + run).json().at("/owners/0");
    assertThat(owner.get("items").asLong()).isEqualTo(14); // 13 files and the folder
    assertThat(owner.has("shards")).as("a small owner runs whole").isFalse();
    assertThat(dst).doesNotExist();

    JsonNode report = api.get("/jobs/" + job + "/runs/" + run + "/report").json();
    assertThat(report.at("/scan/refusedNames/count").asLong()).isZero();
    assertThat(report.at("/scan/unreadable/count").asLong()).isZero();
    assertThat(report.get("files").size()).isEqualTo(13);
    assertThat(report.at("/run/mode").asText()).isEqualTo("DRY_RUN");
  }

  @Test
  void fullRunMovesEverythingWithLiveProgressALogAndACsvReport() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    int n = 24;
    for (int i = 0; i < n; i++) {
      write(src.resolve("d" + (i % 3) + "/f" + i + ".bin"), 1 << 20, 100 + i);
    }
    // 24 MiB at 48 Mbps (6 MB/s): about four seconds, long enough to watch
    String job = job(src, dst, Map.of("options", Map.of("bwlimitMbps", 48, "concurrency", 4)));
    long run = api.run(job, "FULL");
    JsonNode[] seen = new JsonNode[1];
    ApiHarness.await(
        Duration.ofSeconds(60),
        () -> {
          JsonNode r = api.get("/jobs/" + job).json().get("lastRun");
          seen[0] = r;
          return r.get("state").asText().equals("RUNNING")
              && r.at("/bytes/completed").asLong() > 0
              && r.at("/speedBytesPerSecond").isNumber()
              && r.at("/etaSeconds").isNumber();
        });
    JsonNode live = seen[0];
    assertThat(live.at("/files/total").asLong()).isEqualTo(n);
    assertThat(live.at("/bytes/total").asLong()).isEqualTo((long) n << 20);
    assertThat(live.at("/bytes/completed").asLong()).isLessThan((long) n << 20);
    assertThat(live.at("/speedBytesPerSecond").asDouble()).isBetween(1e5, 5e7);
    assertThat(live.at("/etaSeconds").asDouble()).isPositive();
    // the batch in flight heartbeats labelled figures, as the Temporal UI shows them
    String wf = h.server.api().services().launcher.workflowIds(run).getFirst();
    Heartbeats.Batch[] beat = new Heartbeats.Batch[1];
    ApiHarness.await(
        Duration.ofSeconds(30),
        () -> {
          for (var a : describe(wf).getPendingActivitiesList()) {
            if (a.getActivityType().getName().equals("TransferBatch") && a.hasHeartbeatDetails()) {
              beat[0] =
                  DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
                      0,
                      Optional.of(a.getHeartbeatDetails()),
                      Heartbeats.Batch.class,
                      Heartbeats.Batch.class);
              return beat[0].bytesDone() > 0;
            }
          }
          return false;
        });
    assertThat(beat[0].entriesInBatch()).isEqualTo(n + 3); // 24 files in 3 folders
    assertThat(beat[0].bytesInBatch()).isEqualTo((long) n << 20);
    assertThat(beat[0].entriesDone()).isBetween(0L, n + 3L);
    assertThat(beat[0].bytesDone()).isLessThanOrEqualTo((long) n << 20);

    JsonNode end = api.awaitEnd(job);
    assertThat(end.get("state").asText()).isEqualTo("COMPLETED");
    recordHistories(run, "migration-api-full-run");
    JsonNode r = end.get("lastRun");
    assertThat(r.at("/files/completed").asLong()).isEqualTo(n);
    assertThat(r.at("/files/transferred").asLong()).isEqualTo(n);
    assertThat(r.at("/files/failed").asLong()).isZero();
    assertThat(r.at("/bytes/completed").asLong()).isEqualTo((long) n << 20);
    assertThat(r.get("successRatePercent").asDouble()).isEqualTo(100.0);
    for (int i = 0; i < n; i++) {
      Path rel = Path.of("d" + (i % 3), "f" + i + ".bin");
      assertThat(Files.readAllBytes(dst.resolve(rel)))
          .isEqualTo(Files.readAllBytes(src.resolve(rel)));
    }

    // the log, paged and filtered
    JsonNode page1 =
        api.get("/jobs/" + job + "/runs/" + run + "/log?outcome=transferred&limit=10").json();
    assertThat(page1.get("entries").size()).isEqualTo(10);
    assertThat(page1.get("nextOffset").asInt()).isEqualTo(10);
    JsonNode page3 =
        api.get("/jobs/" + job + "/runs/" + run + "/log?outcome=transferred&limit=10&offset=20")
            .json();
    assertThat(page3.get("entries").size()).isEqualTo(4);
    assertThat(page3.get("nextOffset").isNull()).isTrue();
    assertThat(
            api.get("/jobs/" + job + "/runs/" + run + "/log?outcome=failed").json().get("entries"))
        .isEmpty();

    // the CSV report
    Res csv = api.get("/jobs/" + job + "/runs/" + run + "/report.csv");
    assertThat(csv.status()).isEqualTo(200);
    assertThat(csv.raw().headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
    assertThat(csv.body())
        .contains("# duration_seconds: ")
        .contains("# files_transferred: " + n + ", bytes_transferred: " + ((long) n << 20))
        .contains("# success_rate_percent: 100.0");
    List<CSVRecord> rows = csv(csv.body());
    assertThat(rows).hasSize(n);
    assertThat(rows).allSatisfy(x -> assertThat(x.get("outcome")).isEqualTo("transferred"));
    assertThat(rows.getFirst().get("sha256")).hasSize(64);
    assertThat(rows.getFirst().get("verified_by")).isEqualTo("sha256-reread");

    // an incremental run moves nothing more
    api.run(job, "INCREMENTAL");
    JsonNode again = api.awaitEnd(job).get("lastRun");
    assertThat(again.at("/files/transferred").asLong()).isZero();
    assertThat(again.at("/files/unchanged").asLong()).isEqualTo(n);
    assertThat(api.get("/jobs/" + job + "/runs").json().get("runs").size()).isEqualTo(2);
  }

  @Test
  void ownersMapSourceFoldersToDestinationFoldersEachWithItsOwnFigures() throws Exception {
    Path src = dir.resolve("home");
    Path dst = dir.resolve("new");
    write(src.resolve("alice/a.txt"), 10, 1);
    write(src.resolve("alice/deep/b.txt"), 20, 2);
    write(src.resolve("bob/c.txt"), 30, 3);
    write(src.resolve("nobody/ignored.txt"), 40, 4);
    String job = job(src, dst, Map.of());
    Res owners =
        api.putCsv(
            "/jobs/" + job + "/owners",
            "name,source_path,destination_path\nAlice,alice,users/alice\nBob,bob,users/robert\n");
    assertThat(owners.status()).as(owners.toString()).isEqualTo(200);
    long run = api.run(job, "FULL");
    JsonNode end = api.awaitEnd(job);
    assertThat(end.get("state").asText()).isEqualTo("COMPLETED");
    assertThat(dst.resolve("users/alice/deep/b.txt")).exists();
    assertThat(dst.resolve("users/robert/c.txt")).exists();
    assertThat(dst.resolve("nobody")).doesNotExist();
    JsonNode ownersRun = api.get("/jobs/" + job + "/runs/" + run).json().get("owners");
    assertThat(ApiHarness.each(ownersRun, "name")).containsExactly("Alice", "Bob");
    assertThat(ownersRun.get(0).at("/files/transferred").asLong()).isEqualTo(2);
    assertThat(ownersRun.get(1).at("/files/transferred").asLong()).isEqualTo(1);
    List<CSVRecord> rows = csv(api.get("/jobs/" + job + "/runs/" + run + "/report.csv").body());
    Map<String, String> ownerOf = new HashMap<>();
    rows.forEach(x -> ownerOf.put(x.get("path"), x.get("owner")));
    assertThat(ownerOf)
        .containsEntry("alice/a.txt", "Alice")
        .containsEntry("alice/deep/b.txt", "Alice")
        .containsEntry("bob/c.txt", "Bob")
        .hasSize(3);

    // the Temporal CLI finds the run's workflows by the job's id; each says what it is
    List<String> workflows = h.server.api().services().launcher.workflowIds(run);
    assertThat(workflows).hasSize(2);
    String query = "FerryJobId='" + job + "' AND FerryRunId='" + run + "'";
    ApiHarness.await(
        Duration.ofSeconds(10),
        () ->
            temporalList(query + " AND FerryKind='owner' AND FerryPhase='completed'").size() == 2);
    // the job run's parent workflow and its owners' children
    String parent = RunLauncher.parentWorkflowId(job, run);
    ApiHarness.await(
        Duration.ofSeconds(10),
        () ->
            temporalList(query + " AND FerryKind='job_run' AND FerryPhase='completed'").size()
                == 1);
    List<String> all = new java.util.ArrayList<>(workflows);
    all.add(parent);
    assertThat(temporalList(query)).containsExactlyInAnyOrderElementsOf(all);
    assertThat(temporalList("FerryJobId='" + job + "' AND FerryKind='owner'"))
        .containsExactlyInAnyOrderElementsOf(workflows);
    assertThat(temporalList("FerryJobId='" + job + "' AND FerryKind='job_run'"))
        .containsExactly(parent);
    // an owner's workflow is ferry-job-<job>-run-<run>-owner-<owner>; FerryOwnerId finds it alone
    String first = workflows.getFirst();
    assertThat(first).startsWith(parent + "-owner-");
    String owner = first.substring((parent + "-owner-").length());
    assertThat(temporalList("FerryOwnerId='" + owner + "'")).containsExactly(first);
    // and its static summary names the job, its client, source and destination (connection and
    // path: these connections are the folders themselves) and the owner
    List<String> summaries =
        workflows.stream()
            .map(
                w ->
                    h.server
                        .runtime()
                        .client()
                        .newUntypedWorkflowStub(w)
                        .describe()
                        .getStaticSummary())
            .toList();
    assertThat(summaries)
        .allSatisfy(
            x ->
                assertThat(x)
                    .matches(
                        "Ferry job job \\S+ of client Runs \\S+: src \\S+:/ → dst \\S+:/ — owner"
                            + " (Alice|Bob) \\(FULL\\)"));
    assertThat(String.join("\n", summaries)).contains("owner Alice").contains("owner Bob");
    assertThat(temporalList("FerryJobId='" + job + "' AND FerryPhase='failed'")).isEmpty();
  }

  @Test
  void aRunThatLeftFailedFilesIsVisiblySoInTemporal() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    write(src.resolve("a.txt"), 100, 1);
    write(src.resolve("b.txt"), 100, 2);
    // b.txt cannot be written: the destination has a folder of that name, with a file in it
    write(dst.resolve("b.txt/in-the-way.txt"), 10, 3);
    String job = job(src, dst, Map.of());
    long run = api.run(job, "FULL");
    JsonNode end = api.awaitEnd(job);
    assertThat(end.get("state").asText()).as(end.toString()).isEqualTo("COMPLETED_WITH_ERRORS");
    assertThat(end.at("/lastRun/files/failed").asLong()).isEqualTo(1);
    List<String> workflows = h.server.api().services().launcher.workflowIds(run);
    // Temporal: Completed (the run went to its end), yet its phase and details say what happened
    ApiHarness.await(
        Duration.ofSeconds(10),
        () ->
            temporalList("FerryJobId='" + job + "' AND FerryPhase='completed_with_errors'")
                .equals(workflows));
    assertThat(status(h, workflows.getFirst()))
        .isEqualTo(
            io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    String details =
        h.server
            .runtime()
            .client()
            .newUntypedWorkflowStub(workflows.getFirst())
            .query("__temporal_workflow_metadata", io.temporal.api.sdk.v1.WorkflowMetadata.class)
            .getCurrentDetails();
    assertThat(details).startsWith("**completed with errors**").contains("1 file failed");
  }

  /** The workflow ids {@code temporal workflow list --query QUERY} prints, as a user runs it. */
  static List<String> temporalList(String query) {
    try {
      Process p =
          new ProcessBuilder(
                  ApiHarness.temporalBinary().toString(),
                  "workflow",
                  "list",
                  "--address",
                  h.server.temporal().address(),
                  "--namespace",
                  h.server.temporal().namespace(),
                  "--query",
                  query,
                  "--output",
                  "json")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(out).isZero();
      // each listed workflow's own id (not its parentExecution's: owners name their job run)
      List<String> ids = new java.util.ArrayList<>();
      for (JsonNode e : ApiHarness.JSON.readTree(out.isBlank() ? "[]" : out)) {
        ids.addAll(e.path("execution").findValuesAsText("workflowId"));
      }
      return ids.stream().distinct().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void ownersRunThroughAWindowOfMaxParallelOwnersAndShareTheJobsBandwidth() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (String o : List.of("o1", "o2", "o3")) {
      for (int i = 0; i < 4; i++) {
        write(src.resolve(o + "/f" + i + ".bin"), 1 << 20, i);
      }
    }
    // one owner at a time, 32 Mbps (4 MB/s) for the whole job: 12 MiB take at least three seconds
    String job =
        job(
            src,
            dst,
            Map.of(
                "owners",
                List.of(
                    Map.of("sourcePath", "o1"),
                    Map.of("sourcePath", "o2"),
                    Map.of("sourcePath", "o3")),
                "options",
                Map.of("maxParallelOwners", 1, "concurrency", 4, "bwlimitMbps", 32)));
    long t0 = System.nanoTime();
    long run = api.run(job, "FULL");
    int mostAtOnce = 0;
    boolean sawPartial = false;
    while (true) {
      JsonNode r = api.get("/jobs/" + job + "/runs/" + run).json();
      if (r.has("partialTotals")) {
        // owners not scanned yet: the totals are partial, said so, and give no ETA
        sawPartial = true;
        assertThat(r.at("/partialTotals/owners").asInt()).isEqualTo(3);
        assertThat(r.at("/partialTotals/ownersScanned").asInt()).isLessThan(3);
        assertThat(r.at("/partialTotals/note").asText()).contains("owners scanned");
        assertThat(r.get("etaSeconds").isNull()).as(r.toString()).isTrue();
      } else if (r.get("finishedAt").isNull()) {
        assertThat(r.at("/bytes/total").asLong()).as("all scanned").isEqualTo(12L << 20);
      }
      int busy = 0;
      for (JsonNode o : r.get("owners")) {
        String st = o.get("state").asText();
        busy += st.equals("scanning") || st.equals("running") ? 1 : 0;
      }
      mostAtOnce = Math.max(mostAtOnce, busy);
      if (!r.get("finishedAt").isNull()) {
        assertThat(r.get("state").asText()).isEqualTo("COMPLETED");
        break;
      }
      Thread.sleep(100);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    assertThat(mostAtOnce).isEqualTo(1);
    assertThat(sawPartial).as("the totals were partial while owners waited").isTrue();
    assertThat(api.get("/jobs/" + job + "/runs/" + run).json().has("partialTotals")).isFalse();
    assertThat(secs).isGreaterThan(12.0 * (1 << 20) / 4e6 * 0.9);
    assertThat(FilesCount.of(dst)).isEqualTo(12);
  }

  /** Counts regular files under a folder. */
  static final class FilesCount {
    static long of(Path root) throws IOException {
      try (var s = Files.walk(root)) {
        return s.filter(Files::isRegularFile).count();
      }
    }
  }

  @Test
  void pauseResumeAndCancelReachTheRunningWorkflowsAndAFinishedRunRefusesThem() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int i = 0; i < 16; i++) {
      write(src.resolve("f" + i + ".bin"), 1 << 20, i);
    }
    // 16 MiB at 16 Mbps (2 MB/s): about eight seconds unpaused
    String job = job(src, dst, Map.of("options", Map.of("bwlimitMbps", 16, "concurrency", 2)));
    api.run(job, "FULL");
    awaitState(job, "RUNNING", r -> r.at("/bytes/completed").asLong() > 0);

    Res paused = api.post("/jobs/" + job + "/pause", null);
    assertThat(paused.status()).as(paused.toString()).isEqualTo(202);
    awaitState(job, "PAUSED", r -> true);
    // copies in flight stop within seconds (at their next heartbeat); then nothing moves
    long atPause = awaitStill(job, Duration.ofSeconds(15));
    Thread.sleep(2000);
    assertThat(bytes(job)).as("no bytes move while paused").isEqualTo(atPause);
    assertThat(end(job)).isNull();

    Res resumed = api.post("/jobs/" + job + "/resume", null);
    assertThat(resumed.status()).as(resumed.toString()).isEqualTo(202);
    JsonNode end = api.awaitEnd(job);
    assertThat(end.get("state").asText()).isEqualTo("COMPLETED");
    assertThat(end.at("/lastRun/files/transferred").asLong()).isEqualTo(16);

    Res late = api.post("/jobs/" + job + "/pause", null);
    assertThat(late.status()).isEqualTo(409);
    assertThat(late.json().get("error").asText()).isEqualTo("cannot pause a run that is completed");

    // a second run, cancelled: it ends within seconds, what was copied stays recorded
    for (int i = 0; i < 16; i++) {
      write(src.resolve("g" + i + ".bin"), 1 << 20, 50 + i);
    }
    api.run(job, "INCREMENTAL");
    awaitState(job, "RUNNING", r -> r.at("/bytes/completed").asLong() > 0);
    Res cancelled = api.post("/jobs/" + job + "/cancel", null);
    assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(202);
    long t0 = System.nanoTime();
    JsonNode c = api.awaitEnd(job);
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(15);
    assertThat(c.get("state").asText()).isEqualTo("CANCELLED");
    assertThat(c.at("/lastRun/files/transferred").asLong()).isLessThan(16);
    // and Temporal says so too: the owners' workflows ended CANCELED, not COMPLETED
    ApiHarness h = ApiHarness.get();
    long cancelledRun = c.at("/lastRun/id").asLong();
    List<String> workflows = h.server.api().services().launcher.workflowIds(cancelledRun);
    assertThat(workflows).isNotEmpty();
    for (String wf : workflows) {
      // the catalog records the end just before the workflow closes
      java.util.function.Supplier<io.temporal.api.enums.v1.WorkflowExecutionStatus> statusOf =
          () -> status(h, wf);
      ApiHarness.await(
          Duration.ofSeconds(10),
          () ->
              statusOf.get()
                  != io.temporal.api.enums.v1.WorkflowExecutionStatus
                      .WORKFLOW_EXECUTION_STATUS_RUNNING);
      assertThat(statusOf.get())
          .as(wf)
          .isEqualTo(
              io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED);
    }
    assertThat(api.post("/jobs/" + job + "/resume", null).json().get("error").asText())
        .isEqualTo("cannot resume a run that is cancelled");
  }

  /**
   * With {@code FERRY_RECORD_HISTORIES} set (see workflows/README.md), writes the histories of the
   * run's workflows there, as the workflows module's replay test reads them.
   */
  private static void recordHistories(long run, String name) throws IOException {
    String dir = System.getenv("FERRY_RECORD_HISTORIES");
    if (dir == null || dir.isBlank()) {
      return;
    }
    List<String> ids = h.server.api().services().launcher.workflowIds(run);
    for (int i = 0; i < ids.size(); i++) {
      Files.writeString(
          Path.of(dir, name + (i == 0 ? "" : "-" + (i + 1)) + ".json"),
          h.server.runtime().client().fetchHistory(ids.get(i)).toJson(true));
    }
  }

  private static io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse describe(
      String wf) {
    var client = h.server.runtime().client();
    return client
        .getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(client.getOptions().getNamespace())
                .setExecution(
                    io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(wf))
                .build());
  }

  private static io.temporal.api.enums.v1.WorkflowExecutionStatus status(ApiHarness h, String wf) {
    return h.server
        .runtime()
        .client()
        .getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(h.server.runtime().client().getOptions().getNamespace())
                .setExecution(
                    io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(wf))
                .build())
        .getWorkflowExecutionInfo()
        .getStatus();
  }

  private static JsonNode end(String job) {
    JsonNode f = api.get("/jobs/" + job).json().at("/lastRun/finishedAt");
    return f.isNull() ? null : f;
  }

  /** Waits until the job's transferred bytes stay the same for a second; returns them. */
  private static long awaitStill(String job, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    long last = bytes(job);
    while (System.nanoTime() < deadline) {
      Thread.sleep(1000);
      long now = bytes(job);
      if (now == last) {
        return now;
      }
      last = now;
    }
    throw new AssertionError("bytes kept moving for " + max + " after pause");
  }

  private static long bytes(String job) {
    return api.get("/jobs/" + job).json().at("/lastRun/bytes/completed").asLong();
  }

  private static void awaitState(
      String job, String state, java.util.function.Predicate<JsonNode> and) {
    ApiHarness.await(
        Duration.ofSeconds(60),
        () -> {
          JsonNode r = api.get("/jobs/" + job).json().get("lastRun");
          return r != null && r.get("state").asText().equals(state) && and.test(r);
        });
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
