package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.activities.catalog.DbConfig;
import dev.ferry.api.runtime.FerryHome;
import dev.ferry.api.runtime.LocalTemporal;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import dev.ferry.workflows.JobRunWorkflow;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry server} processes (JVMs of their own) sharing one PostgreSQL database and one
 * Temporal service — a dev server run on its own, given to them as {@code TEMPORAL_ADDRESS}: a
 * server killed with SIGKILL mid-run is replaced and the run carries on to its end, and two servers
 * serve one API, a run started through one being paused through the other and orchestrated once.
 * Nothing of a run's control lives in a server.
 */
@Timeout(300)
class ScaleOutTest {
  static final String ADMIN = "fy_scaleout-admin-" + UUID.randomUUID();
  static final String MASTER_KEY;

  static {
    byte[] key = new byte[32];
    new Random(17).nextBytes(key);
    MASTER_KEY = Base64.getEncoder().encodeToString(key);
  }

  @TempDir static Path shared;
  static LocalTemporal temporal;
  static WorkflowClient client;
  @TempDir Path dir;
  private final List<Process> servers = new ArrayList<>();

  @BeforeAll
  static void cluster() {
    temporal =
        LocalTemporal.start(
            new FerryHome(shared.resolve("cluster")),
            "cluster",
            Map.of("FERRY_TEMPORAL_BIN", ApiHarness.temporalBinary().toString()));
    client = WorkflowClient.newInstance(temporal.stubs());
  }

  @AfterAll
  static void down() {
    if (temporal != null) {
      temporal.close();
    }
  }

  @AfterEach
  void stopServers() throws InterruptedException {
    for (Process p : servers) {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  /** A server of its own (a JVM) on {@code db} and the shared Temporal service. */
  private Process server(String name, DbConfig db) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        List.of(
            java,
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.ferry.api.cli.Ferry",
            "server",
            "--listen",
            "127.0.0.1:0");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log(name).toFile());
    Map<String, String> env = pb.environment();
    env.put("FERRY_HOME", dir.resolve(name + "-home").toString());
    env.put("FERRY_DB_URL", db.url());
    env.put("FERRY_DB_USER", db.user());
    env.put("FERRY_DB_PASSWORD", db.password());
    env.put("TEMPORAL_ADDRESS", temporal.address());
    env.put("TEMPORAL_NAMESPACE", temporal.namespace());
    env.put("FERRY_ADMIN_TOKEN", ADMIN);
    env.put(LocalRoots.VARIABLE, dir.toString()); // the test's folders
    env.put("FERRY_MASTER_KEY", MASTER_KEY); // every server of one database has the same key
    Process p = pb.start();
    servers.add(p);
    return p;
  }

  private Path log(String name) {
    return dir.resolve(name + ".log");
  }

  private static final Pattern API = Pattern.compile("API: +(http://\\S+/api/v1)");

  /** The API of the server {@code name}, once it serves (its first lines say where). */
  private Api api(String name, Process p) {
    String[] base = new String[1];
    ApiHarness.await(
        Duration.ofSeconds(90),
        () -> {
          String out = read(log(name));
          if (!p.isAlive()) {
            throw new AssertionError("server " + name + " exited: " + out);
          }
          Matcher m = API.matcher(out);
          if (m.find() && out.contains("Press Ctrl-C")) {
            base[0] = m.group(1);
            return true;
          }
          return false;
        });
    // the banner says which folders of this machine jobs of the server may use
    assertThat(read(log(name)))
        .contains("  Local folders:   FERRY_LOCAL_ROOTS=" + ApiLocalRootsTest.real(dir));
    return ApiHarness.at(base[0], ADMIN);
  }

  private static String read(Path f) {
    try {
      return Files.exists(f) ? Files.readString(f) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** A job of {@code owners} owners of three 1 MiB files each, through {@code api}. */
  private String job(Api api, int owners, Map<String, Object> options) throws IOException {
    Path src = dir.resolve("src");
    List<Map<String, Object>> list = new ArrayList<>();
    for (int o = 0; o < owners; o++) {
      for (int i = 0; i < 3; i++) {
        ApiRunTest.write(src.resolve("o" + o + "/f" + i + ".bin"), 1 << 20, o * 100L + i);
      }
      list.add(Map.of("sourcePath", "o" + o));
    }
    String c = api.client("Scale-out " + UUID.randomUUID());
    String project = api.project(c, "scale-out");
    String s = api.localConnection(c, "src", src);
    String d = api.localConnection(c, "dst", dir.resolve("dst"));
    return api.job(project, s, d, Map.of("owners", list, "options", options));
  }

  private static JsonNode run(Api api, String job, long run) {
    Res r = api.get("/jobs/" + job + "/runs/" + run);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  /**
   * Waits for the run's end asking {@code api} all along; every answer must be a 200 (the API
   * answers throughout).
   */
  private static JsonNode awaitEnd(Api api, String job, long run) {
    JsonNode[] last = new JsonNode[1];
    ApiHarness.await(
        Duration.ofSeconds(150),
        () -> {
          last[0] = run(api, job, run);
          return !last[0].get("finishedAt").isNull();
        });
    return last[0];
  }

  /**
   * The run ended COMPLETED with every file copied once: as many files as the source, each path
   * once in the report and once among the log's transfers, and the destination equals the source.
   */
  private void assertCopiedOnce(Api api, String job, long run, JsonNode end, int files)
      throws IOException {
    assertThat(end.get("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
    assertThat(end.at("/files/transferred").asLong()).isEqualTo(files);
    assertThat(end.at("/files/failed").asLong()).isZero();
    JsonNode report = api.get("/jobs/" + job + "/runs/" + run + "/report").json().get("files");
    Set<String> reported = new HashSet<>();
    for (JsonNode f : report) {
      assertThat(f.get("outcome").asText()).isEqualTo("transferred");
      assertThat(reported.add(f.get("owner").asText() + "/" + f.get("path").asText()))
          .as("reported once: %s", f)
          .isTrue();
    }
    assertThat(reported).hasSize(files);
    JsonNode moved =
        api.get("/jobs/" + job + "/runs/" + run + "/log?outcome=transferred&limit=1000")
            .json()
            .get("entries");
    Set<String> paths = new HashSet<>(ApiHarness.each(moved, "path"));
    assertThat(moved).as("each file transferred once").hasSize(files);
    assertThat(paths).hasSize(files);
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    assertThat(ApiRunTest.FilesCount.of(dst)).isEqualTo(files);
    try (var all = Files.walk(src)) {
      for (Path f : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
        assertThat(Files.readAllBytes(dst.resolve(src.relativize(f).toString())))
            .as(f.toString())
            .isEqualTo(Files.readAllBytes(f));
      }
    }
  }

  /** Every workflow execution that carries the job's {@code FerryJobId}, by the CLI's query. */
  private static List<WorkflowExecutionInfo> workflowsOf(String job) {
    return client
        .getWorkflowServiceStubs()
        .blockingStub()
        .listWorkflowExecutions(
            ListWorkflowExecutionsRequest.newBuilder()
                .setNamespace(temporal.namespace())
                .setQuery("FerryJobId='" + job + "'")
                .setPageSize(1000)
                .build())
        .getExecutionsList();
  }

  /**
   * Each of the job run's workflows ran exactly once, and closed: one job-run parent and one
   * execution per owner (by {@code FerryJobId}), every one COMPLETED; the parent started each owner
   * once.
   */
  private static void assertOrchestratedOnce(String job, long run, int owners) {
    List<WorkflowExecutionInfo>[] found = new List[1];
    ApiHarness.await(
        Duration.ofSeconds(30),
        () -> {
          found[0] = workflowsOf(job);
          return found[0].size() >= owners + 1
              && found[0].stream()
                  .allMatch(
                      w ->
                          w.getStatus()
                              != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
        });
    List<String> ids = found[0].stream().map(w -> w.getExecution().getWorkflowId()).toList();
    assertThat(ids).as("one execution per workflow").doesNotHaveDuplicates().hasSize(owners + 1);
    String parent = JobRunWorkflow.workflowId(job, run);
    assertThat(ids).contains(parent);
    assertThat(ids.stream().filter(i -> i.startsWith(parent + "-owner-"))).hasSize(owners);
    assertThat(found[0])
        .allSatisfy(
            w ->
                assertThat(w.getStatus())
                    .as(w.getExecution().getWorkflowId())
                    .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED));
    long starts =
        client.fetchHistory(parent).getEvents().stream()
            .filter(
                e ->
                    e.getEventType()
                        == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)
            .count();
    assertThat(starts).as("owners started by the parent").isEqualTo(owners);
  }

  @Test
  void aServerKilledMidRunIsReplacedAndTheRunEndsWithEveryFileCopiedOnce() throws Exception {
    try (dev.ferry.activities.testing.TestDatabase db =
        new dev.ferry.activities.testing.TestDatabase()) {
      Process first = server("first", db.config());
      Api a = api("first", first);
      // four owners of 3 MiB, two at a time, 16 Mbps (2 MB/s) for the job: six seconds or more
      String job = job(a, 4, Map.of("maxParallelOwners", 2, "concurrency", 2, "bwlimitMbps", 16));
      long run = a.run(job, "FULL");
      ApiHarness.await(
          Duration.ofSeconds(60), () -> run(a, job, run).at("/bytes/completed").asLong() > 0);
      JsonNode mid = run(a, job, run);
      assertThat(mid.at("/files/transferred").asLong()).as(mid.toString()).isLessThan(12);

      first.destroyForcibly(); // SIGKILL: no shutdown hook, no goodbye to Temporal
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
      Process second = server("second", db.config());
      Api b = api("second", second);
      JsonNode after = run(b, job, run);
      assertThat(after.get("finishedAt").isNull()).as(after.toString()).isTrue();

      JsonNode end = awaitEnd(b, job, run);
      assertCopiedOnce(b, job, run, end, 12);
      assertOrchestratedOnce(job, run, 4);
    }
  }

  @Test
  void twoServersServeOneApiAndARunStartedThroughOneIsPausedThroughTheOtherAndOrchestratedOnce()
      throws Exception {
    // a database that does not exist yet: both servers create and migrate it at once
    String name =
        "ferry_test_scaleout_"
            + UUID.randomUUID()
                .toString()
                .replace("-", "")
                .substring(0, 8)
                .toLowerCase(Locale.ROOT);
    DbConfig db = DbConfig.fromEnv().withDatabase(name);
    try {
      Process pa = server("a", db);
      Process pb = server("b", db);
      Api a = api("a", pa);
      Api b = api("b", pb);
      // six owners of 3 MiB, two at a time, 16 Mbps (2 MB/s) for the job: nine seconds unpaused
      String job = job(a, 6, Map.of("maxParallelOwners", 2, "concurrency", 2, "bwlimitMbps", 16));
      assertThat(b.get("/jobs/" + job).status()).as("B sees what A created").isEqualTo(200);
      long run = a.run(job, "FULL");
      ApiHarness.await(
          Duration.ofSeconds(60), () -> run(b, job, run).at("/bytes/completed").asLong() > 0);

      Res paused = b.post("/jobs/" + job + "/pause", null);
      assertThat(paused.status()).as(paused.toString()).isEqualTo(202);
      ApiHarness.await(
          Duration.ofSeconds(15), () -> run(a, job, run).get("state").asText().equals("PAUSED"));
      // copies in flight stop within seconds; then no byte moves and no owner starts
      long still = awaitStill(a, job, run);
      Thread.sleep(3000);
      JsonNode p = run(a, job, run);
      assertThat(p.at("/bytes/completed").asLong())
          .as("no bytes move while paused")
          .isEqualTo(still);
      assertThat(p.get("finishedAt").isNull()).isTrue();
      assertThat(b.post("/jobs/" + job + "/pause", null).json().get("error").asText())
          .isEqualTo("the run is already paused");

      Res resumed = a.post("/jobs/" + job + "/resume", null);
      assertThat(resumed.status()).as(resumed.toString()).isEqualTo(202);
      JsonNode end = awaitEnd(b, job, run);
      assertCopiedOnce(a, job, run, end, 18);
      assertOrchestratedOnce(job, run, 6);
    } finally {
      stopServers();
      servers.clear();
      drop(db);
    }
  }

  @Test
  void serversStartingAtOnceWithoutAnOperatorTokenMintOneBetweenThem() throws Exception {
    try (dev.ferry.activities.testing.TestDatabase db =
        new dev.ferry.activities.testing.TestDatabase()) {
      int servers = 6;
      java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(servers);
      List<java.util.concurrent.CompletableFuture<String>> minted = new ArrayList<>();
      for (int i = 0; i < servers; i++) {
        minted.add(
            java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                  try {
                    together.await(10, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  return ApiServer.bootstrapAdminToken(db.catalog());
                },
                java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
      }
      List<String> tokens =
          minted.stream().map(f -> f.join()).filter(java.util.Objects::nonNull).toList();
      assertThat(tokens).as("one server prints a token, the others none").hasSize(1);
      assertThat(new dev.ferry.activities.catalog.Tokens(db.catalog().jdbi()).list(null))
          .hasSize(1);
      assertThat(ApiServer.bootstrapAdminToken(db.catalog())).as("a later start").isNull();
    }
  }

  /** Waits until the run's bytes stop moving for a second; returns them. */
  /**
   * The bytes once they have not moved for 5 s in a row: longer than the 3 s between a batch's
   * progress reports ({@code BatchProgress}), so an unchanged figure is a copy that stopped, not
   * one between two reports.
   */
  private static long awaitStill(Api api, String job, long run) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long last = run(api, job, run).at("/bytes/completed").asLong();
    int unchanged = 0;
    while (System.nanoTime() < deadline) {
      Thread.sleep(1000);
      long now = run(api, job, run).at("/bytes/completed").asLong();
      unchanged = now == last ? unchanged + 1 : 0;
      if (unchanged >= 5) {
        return now;
      }
      last = now;
    }
    throw new AssertionError("bytes still moving 30 s after the pause");
  }

  /**
   * The switch hook runs in the server; the server is killed (SIGKILL) while the hook runs. A
   * second server takes over: the hook is not run again by itself (it ran exactly once), the
   * cutover states the hook's outcome is unknown and that users may be on either side, and stays
   * where the operator decides; the operator's next switch runs it again, and then it switches.
   */
  @Test
  void aServerKilledDuringTheSwitchHookLeavesItRunOnceAndTheOutcomeStatedAsUnknown()
      throws Exception {
    try (dev.ferry.activities.testing.TestDatabase db =
        new dev.ferry.activities.testing.TestDatabase()) {
      Process first = server("first", db.config());
      Api a = api("first", first);
      Path src = dir.resolve("src");
      ApiRunTest.write(src.resolve("f.bin"), 10_000, 1);
      String c = a.client("Switch kill " + UUID.randomUUID());
      String project = a.project(c, "switch");
      String job =
          a.job(
              project,
              a.localConnection(c, "src", src),
              a.localConnection(c, "dst", dir.resolve("dst")),
              Map.of());
      Path hooks = dir.resolve("switch.log");
      Path started = dir.resolve("switch.started");
      // the hook says it started, then works for a while: the server dies meanwhile
      String hook =
          "echo \"$FERRY_HOOK $FERRY_JOB_ID\" >> '"
              + hooks
              + "'; touch '"
              + started
              + "'; sleep 8; echo done >> '"
              + hooks
              + "'";
      Res start =
          a.post("/jobs/" + job + "/cutover", Map.of("switchHook", Map.of("command", hook)));
      assertThat(start.status()).as(start.toString()).isEqualTo(201);
      awaitCutover(a, job, x -> x.get("rounds").size() == 1 && !x.get("roundRunning").asBoolean());
      assertThat(a.post("/jobs/" + job + "/cutover/freeze", Map.of()).status()).isEqualTo(200);
      awaitCutover(a, job, x -> x.get("state").asText().equals("verified"));

      assertThat(a.post("/jobs/" + job + "/cutover/switch", Map.of()).status()).isEqualTo(200);
      ApiHarness.await(Duration.ofSeconds(60), () -> Files.exists(started));
      first.destroyForcibly(); // SIGKILL while the hook runs
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
      Process second = server("second", db.config());
      Api b = api("second", second);

      // the hook's activity times out (no heartbeat from the dead server) and is not retried
      JsonNode cut =
          awaitCutover(
              b,
              job,
              x ->
                  x.get("steps").findValuesAsText("name").contains("switch hook")
                      && x.get("state").asText().equals("verified"));
      JsonNode hookStep = null;
      for (JsonNode st : cut.get("steps")) {
        if (st.get("name").asText().equals("switch hook")) {
          hookStep = st;
        }
      }
      assertThat(hookStep.get("outcome").asText()).contains("its outcome is unknown");
      assertThat(cut.get("message").asText())
          .contains("the switch hook's outcome is unknown")
          .contains("users may be on the destination or the source")
          .doesNotContain("users still use the source");
      // the hook the dead server started finished on its own (long before the timeout)
      ApiHarness.await(Duration.ofSeconds(30), () -> read(hooks).contains("done"));
      assertThat(Files.readAllLines(hooks))
          .as("the hook ran once")
          .containsExactly("switch " + job, "done");

      // the operator checked and decides: switch again, which runs the hook again
      Files.delete(started);
      assertThat(b.post("/jobs/" + job + "/cutover/switch", Map.of()).status()).isEqualTo(200);
      cut = awaitCutover(b, job, x -> x.get("state").asText().equals("fallback"));
      assertThat(Files.readAllLines(hooks))
          .containsExactly("switch " + job, "done", "switch " + job, "done");
      assertThat(cut.get("steps").findValuesAsText("name"))
          .containsSubsequence("switch", "switch hook", "switch", "switch hook");
    }
  }

  private static JsonNode awaitCutover(
      Api api, String job, java.util.function.Predicate<JsonNode> cond) {
    JsonNode[] last = new JsonNode[1];
    try {
      ApiHarness.await(
          Duration.ofSeconds(150),
          () -> {
            Res r = api.get("/jobs/" + job + "/cutover");
            last[0] = r.status() == 200 ? r.json() : null;
            return last[0] != null && cond.test(last[0]);
          });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the cutover last read " + last[0], e);
    }
    return last[0];
  }

  private static void drop(DbConfig db) throws Exception {
    DbConfig admin = db.withDatabase("postgres");
    try (Connection c =
            DriverManager.getConnection(
                admin.url(), admin.user(), admin.password().isEmpty() ? null : admin.password());
        Statement st = c.createStatement()) {
      st.execute("drop database if exists " + db.databaseName() + " with (force)");
    }
  }
}
