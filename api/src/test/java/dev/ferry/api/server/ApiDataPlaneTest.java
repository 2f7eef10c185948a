package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.catalog.AgentSecrets;
import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.FileRow;
import dev.ferry.activities.catalog.Listing;
import dev.ferry.activities.catalog.OutcomeBuffer;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.api.agent.HttpRunCatalog;
import dev.ferry.api.agent.ServerClient;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.Progress;
import dev.ferry.workflows.RunMode;
import dev.ferry.workflows.ScanResult;
import java.net.http.HttpClient;
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
 * The agents' data plane ({@code /api/v1/agent/…}) on the real server and PostgreSQL: {@link
 * HttpRunCatalog} does what the scan, transfer and finish need for a run of a job assigned to its
 * agent; every route answers 404 for another agent's runs, jobs and connections and for another
 * client's, and 403 for a token that is not an agent's.
 */
class ApiDataPlaneTest {
  static ApiHarness h;
  static Api admin;
  static Catalog catalog;
  static String clientA;
  static String clientB;
  static Agent agentA;
  static Agent agentB;
  static String jobA;
  static String jobB;
  static String connA;
  static String secretConnA;
  static String connB;
  static long runA;
  static long runB;
  @TempDir static Path dir;

  record Agent(String id, String token, byte[] key) {}

  static Agent register(String client) {
    String code =
        admin
            .post("/agents/registration-codes", Map.of("clientId", client))
            .json()
            .get("code")
            .asText();
    Res r = h.api(code).post("/agents/register", Map.of("hostname", "dp-" + client));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.json().has("database")).as("no database login in %s", r.body()).isFalse();
    return new Agent(
        r.json().get("agentId").asText(),
        r.json().get("token").asText(),
        java.util.Base64.getDecoder().decode(r.json().get("agentKey").asText()));
  }

  /** A run of a job in the catalog, as the server prepares it (no workflow needed here). */
  static long run(String job) {
    return catalog.createRun(UUID.fromString(job), RunMode.INCREMENTAL, RunOptions.defaults());
  }

  @BeforeAll
  static void world() {
    h = ApiHarness.get();
    admin = h.admin;
    catalog = h.db.catalog();
    clientA = admin.client("DP A " + UUID.randomUUID());
    clientB = admin.client("DP B " + UUID.randomUUID());
    agentA = register(clientA);
    agentB = register(clientB);
    connA = admin.localConnection(clientA, "a-src", dir.resolve("a"));
    Res s3 =
        admin.post(
            "/clients/" + clientA + "/connections",
            Map.of(
                "name",
                "a-cloud",
                "kind",
                "s3",
                "settings",
                Map.of("bucket", "dp-bucket", "endpoint", "http://127.0.0.1:1"),
                "secret",
                Map.of("accessKeyId", "AKIADATAPLANE", "secretAccessKey", "dp-secret-key")));
    assertThat(s3.status()).as(s3.toString()).isEqualTo(201);
    secretConnA = s3.id();
    connB = admin.localConnection(clientB, "b-src", dir.resolve("b"));
    String connB2 = admin.localConnection(clientB, "b-dst", dir.resolve("b-out"));
    jobA =
        admin.job(admin.project(clientA, "pa"), connA, secretConnA, Map.of("agentId", agentA.id()));
    jobB = admin.job(admin.project(clientB, "pb"), connB, connB2, Map.of("agentId", agentB.id()));
    runA = run(jobA);
    runB = run(jobB);
  }

  static List<String> events(long run) {
    return catalog
        .jdbi()
        .withHandle(
            x ->
                x.createQuery("select detail from run_events where run_id = ?")
                    .bind(0, run)
                    .mapTo(String.class)
                    .list());
  }

  static HttpRunCatalog httpCatalog(Agent a) {
    return new HttpRunCatalog(
        new ServerClient(
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(),
            h.base().replace("/api/v1", ""),
            a.token()));
  }

  @Test
  void theHttpCatalogDoesWhatTheActivitiesNeedForItsOwnRun() {
    HttpRunCatalog c = httpCatalog(agentA);
    assertThat(c.run(runA).jobId()).isEqualTo(UUID.fromString(jobA));
    assertThat(c.jobOf(runA)).isEqualTo(UUID.fromString(jobA));
    assertThat(c.job(c.jobOf(runA)).destUri()).contains(secretConnA);
    assertThat(c.options(runA)).isEqualTo(RunOptions.defaults());

    // a listing streamed in one request: rows in the manifest, decisions and totals as the scan's
    int n = 3000;
    ScanResult r =
        c.recordListing(
            runA,
            new Listing.Plan(true, false, "local disk"),
            new Listing() {
              @Override
              public long source(Sink<SourceRow> rows) {
                rows.put(new SourceRow("d", true, 0, 1000, "MKDIR", null, null, null));
                for (int i = 0; i < n; i++) {
                  rows.put(
                      new SourceRow(
                          "d/f" + i + " é,\"q\"", false, 10, 1000, "COPY", null, null, null));
                }
                rows.put(
                    new SourceRow("bad\u0001", false, 1, 1, "REFUSE", "failed", "refused", null));
                return 0;
              }

              @Override
              public void destination(DestSink files) {
                files.put("d/f0 é,\"q\"", 10, 1000); // same size and time: unchanged
              }
            });
    assertThat(r.files()).isEqualTo(n + 1);
    assertThat(r.filesToTransfer()).isEqualTo(n - 1);
    assertThat(r.unchanged()).isEqualTo(1);
    assertThat(r.failed()).isEqualTo(1);
    assertThat(catalog.run(runA).filesTotal()).isEqualTo(n + 1);

    // a listing whose writer fails records nothing: the previous listing stays
    assertThatThrownBy(
            () ->
                c.recordListing(
                    runA,
                    new Listing.Plan(true, false, "local disk"),
                    new Listing() {
                      @Override
                      public long source(Sink<SourceRow> rows) {
                        rows.put(new SourceRow("x", false, 1, 1, "COPY", null, null, null));
                        throw new IllegalStateException("the source went away");
                      }

                      @Override
                      public void destination(DestSink files) {}
                    }))
        .hasMessage("the source went away");
    List<FileRow> pending = c.pendingFiles(runA, 0, Long.MAX_VALUE);
    assertThat(pending).hasSize(n); // the folder and n - 1 files
    assertThat(pending.get(1).path()).isEqualTo("d/f1 é,\"q\"");

    // outcomes in one batch, counted once even when sent twice
    List<OutcomeBuffer.Outcome> outs = new ArrayList<>();
    for (FileRow f : pending.subList(0, 11)) {
      outs.add(
          new OutcomeBuffer.Outcome(
              f,
              "transferred",
              null,
              f.folder() ? null : "ab".repeat(32),
              null,
              "sha256",
              1,
              null));
    }
    c.recordOutcomes(runA, outs);
    c.recordOutcomes(runA, outs);
    assertThat(c.pendingFiles(runA, 0, Long.MAX_VALUE)).hasSize(n - 11);
    assertThat(catalog.run(runA).filesDone()).isEqualTo(10);

    c.setInFlight(runA, 0, 1234, "d/f20 é,\"q\"");
    assertThat(catalog.inFlight(runA)).isEqualTo(new Catalog.InFlight(1234, "d/f20 é,\"q\""));
    c.setInFlight(runA, 0, 0, null);
    assertThat(catalog.inFlight(runA)).isEqualTo(Catalog.InFlight.NONE);

    UUID job = UUID.fromString(jobA);
    String path = "d/big file ?&=.bin";
    assertThat(c.uploadState(job, path)).isEmpty();
    c.saveUploadState(job, path, "{\"uploadId\":\"u-1\"}");
    assertThat(c.uploadState(job, path)).contains("{\"uploadId\":\"u-1\"}");
    assertThat(catalog.uploadState(job, path)).contains("{\"uploadId\":\"u-1\"}");
    c.clearUploadState(job, path);
    assertThat(catalog.uploadState(job, path)).isEmpty();

    c.noteRetry(runA, "the batch of files 1-5 failed (attempt 1 of 3): boom");
    assertThat(catalog.run(runA).message()).startsWith("the batch of files 1-5 failed");
    c.clearRetryNote(runA);
    assertThat(catalog.run(runA).message()).isNull();
    c.event(runA, "d", "kept", "source folder not removed: not empty");
    assertThat(events(runA)).contains("source folder not removed: not empty");
    assertThat(c.folders(runA)).containsExactly("d");

    // the secret of its job's connection, sealed under the agent's own key, opened by the agent
    var resolve = AgentSecrets.resolver(c::connection, agentA.key());
    var conn = resolve.apply(UUID.fromString(secretConnA));
    assertThat(conn.kind()).isEqualTo("s3");
    assertThat(conn.secret()).containsEntry("secretAccessKey", "dp-secret-key");
    assertThat(c.connection(UUID.fromString(connB))).isEmpty();
    assertThatThrownBy(() -> resolve.apply(UUID.fromString(connB)))
        .hasMessageContaining("not used by a job assigned to this agent");
    // nor does anything but the sealed copy leave the server
    Res raw = h.api(agentA.token()).get("/agent/connections/" + secretConnA);
    assertThat(raw.body()).doesNotContain("dp-secret-key").contains("sealedSecret");

    Progress end = c.finish(runA, JobState.COMPLETED, null);
    assertThat(end.state()).isEqualTo(JobState.COMPLETED_WITH_ERRORS); // the refused path
    assertThat(catalog.run(runA).finishedAt()).isNotNull();
  }

  /**
   * A source that lists nothing for longer than the server waits on an idle connection (Jetty's 30
   * seconds) — a slow store, or filters that skip a long run of paths — still gets its listing
   * recorded: the agent sends blank lines while it has nothing to send.
   */
  @Test
  void aListingThatPausesLongerThanTheServersIdleTimeoutIsStillRecorded() {
    long run = run(jobA);
    ScanResult r =
        httpCatalog(agentA)
            .recordListing(
                run,
                new Listing.Plan(true, false, "local disk"),
                new Listing() {
                  @Override
                  public long source(Sink<SourceRow> rows) {
                    rows.put(new SourceRow("first", false, 1, 1, "COPY", null, null, null));
                    try {
                      Thread.sleep(Duration.ofSeconds(35));
                    } catch (InterruptedException e) {
                      throw new IllegalStateException(e);
                    }
                    rows.put(new SourceRow("second", false, 2, 1, "COPY", null, null, null));
                    return 0;
                  }

                  @Override
                  public void destination(DestSink files) {}
                });
    assertThat(r.files()).isEqualTo(2);
    assertThat(r.bytesToTransfer()).isEqualTo(3);
  }

  /** Every data-plane route, for a run, a job and a connection. */
  static List<String[]> routes(long run, String job, String conn) {
    String r = "/agent/runs/" + run;
    String j = "/agent/jobs/" + job;
    return List.of(
        new String[] {"GET", r},
        new String[] {"POST", r + "/listing"},
        new String[] {"GET", r + "/pending?from=0&to=10"},
        new String[] {"POST", r + "/outcomes"},
        new String[] {"PUT", r + "/inflight/0"},
        new String[] {"POST", r + "/events"},
        new String[] {"POST", r + "/retry-note"},
        new String[] {"DELETE", r + "/retry-note"},
        new String[] {"GET", r + "/folders"},
        new String[] {"POST", r + "/finish"},
        new String[] {"GET", j},
        new String[] {"GET", j + "/upload?path=a"},
        new String[] {"PUT", j + "/upload?path=a"},
        new String[] {"DELETE", j + "/upload?path=a"},
        new String[] {"GET", "/agent/connections/" + conn});
  }

  static Object bodyOf(String route) {
    if (route.endsWith("/outcomes")) {
      return Map.of("outcomes", List.of());
    }
    if (route.contains("/inflight/")) {
      return Map.of("bytes", 1, "file", "x");
    }
    if (route.endsWith("/events")) {
      return Map.of("event", "worker", "detail", "not mine");
    }
    if (route.endsWith("/retry-note")) {
      return Map.of("note", "not mine");
    }
    if (route.endsWith("/finish")) {
      return Map.of("state", "FAILED");
    }
    if (route.contains("/upload")) {
      return Map.of("state", "x");
    }
    return null;
  }

  @Test
  void everyRouteIsANotFoundForAnotherAgentsOrClientsIdsAndForbiddenToOtherTokens() {
    long runB2 = run(jobB);
    Api a = h.api(agentA.token());
    List<String> checked = new ArrayList<>();
    // agent A asks for agent B's (another client's) run, job and connection; and for ids that do
    // not exist at all: the same 404
    for (var ids :
        List.of(
            new Object[] {runB2, jobB, connB},
            new Object[] {999_999_999L, UUID.randomUUID().toString(), UUID.randomUUID()})) {
      for (String[] route : routes((Long) ids[0], (String) ids[1], ids[2].toString())) {
        Object body = bodyOf(route[1]);
        Res res = a.send(route[0], route[1], body, body == null ? null : "application/json");
        assertThat(res.status()).as("%s %s: %s", route[0], route[1], res).isEqualTo(404);
        assertThat(res.body()).doesNotContain(connB).doesNotContain(jobB);
        checked.add(route[0] + " " + route[1]);
      }
    }
    // a connection of agent B's client that agent A's own jobs do not use, though A's own runs
    assertThat(a.get("/agent/connections/" + connB).status()).isEqualTo(404);
    assertThat(a.get("/agent/runs/" + runA).status()).isEqualTo(200);
    // every declared data-plane route was tried
    List<String> declared =
        h.server.api().routes().stream().filter(x -> x.contains("/api/v1/agent/")).toList();
    assertThat(declared).hasSize(routes(0, "", "").size());

    // nothing of B's changed
    assertThat(catalog.run(runB2).message()).isNull();
    assertThat(catalog.run(runB2).finishedAt()).isNull();
    assertThat(events(runB2)).isEmpty();
    assertThat(catalog.pendingFiles(runB2, 0, Long.MAX_VALUE)).isEmpty();

    // the operator's and a client's tokens are no agent's
    String clientToken =
        admin
            .post("/tokens", Map.of("name", "c", "clientId", clientB))
            .json()
            .get("token")
            .asText();
    for (Api other : List.of(admin, h.api(clientToken))) {
      Res res = other.get("/agent/runs/" + runB2);
      assertThat(res.status()).as(res.toString()).isEqualTo(403);
    }
    // and an agent's token still reaches nothing else
    assertThat(a.get("/jobs/" + jobA).status()).isEqualTo(403);
  }
}
