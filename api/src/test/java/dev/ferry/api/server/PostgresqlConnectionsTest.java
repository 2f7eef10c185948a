package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.activities.db.PgServer;
import dev.ferry.activities.testing.PgClusters;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import dev.ferry.workflows.CutoverWorkflow;
import dev.ferry.workflows.DatabaseActivities;
import dev.ferry.workflows.DatabaseActivities.DatabaseRef;
import dev.ferry.workflows.DatabaseActivities.MoveRequest;
import dev.ferry.workflows.DatabaseActivities.MoveResult;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections of kind {@code postgresql} through the real API, and the database moves that {@code
 * ferry server} runs with them on its {@code ferry-server} queue (DatabaseActivities), between the
 * two real PostgreSQL clusters of the test set-up.
 */
class PostgresqlConnectionsTest {
  static final String PASSWORD = "pg-secret-" + UUID.randomUUID();
  static ApiHarness h;
  static Api admin;
  static Api clientToken;
  static String client;
  static LogCapture logs;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    admin = h.admin;
    logs = LogCapture.start();
    client = admin.client("Postgres " + UUID.randomUUID());
    clientToken =
        ApiHarness.at(
            h.server.apiUrl(),
            admin
                .post("/tokens", Map.of("name", "pg", "clientId", client))
                .json()
                .get("token")
                .asText());
  }

  @AfterAll
  static void down() {
    logs.close();
  }

  private static Map<String, Object> pg(String name, PgServer s, String password) {
    Map<String, String> settings = new java.util.HashMap<>();
    settings.put("host", s.host());
    settings.put("port", Integer.toString(s.port()));
    settings.put("user", s.user());
    return password == null
        ? Map.of("name", name, "kind", "postgresql", "settings", settings)
        : Map.of(
            "name",
            name,
            "kind",
            "postgresql",
            "settings",
            settings,
            "secret",
            Map.of("password", password));
  }

  @Test
  void aClientTokenCreatesOneWhosePasswordIsSealedAndNeverShown() throws Exception {
    Res r =
        clientToken.post(
            "/clients/" + client + "/connections",
            pg("transit db", PgClusters.transit(), PASSWORD));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    JsonNode c = r.json();
    assertThat(c.get("kind").asText()).isEqualTo("postgresql");
    assertThat(c.get("hasSecret").asBoolean()).isTrue();
    assertThat(c.get("settings").get("port").asText()).isEqualTo("5433");
    assertThat(r.body()).doesNotContain(PASSWORD);
    assertThat(clientToken.get("/connections/" + r.id()).body()).doesNotContain(PASSWORD);
    assertThat(clientToken.get("/clients/" + client + "/connections").body())
        .contains("transit db")
        .doesNotContain(PASSWORD);
    String stored =
        h.server
            .runtime()
            .catalog()
            .jdbi()
            .withHandle(
                x ->
                    x.createQuery(
                            "select settings::text || encode(secret, 'escape') from connections"
                                + " where id = cast(:id as uuid)")
                        .bind("id", r.id())
                        .mapTo(String.class)
                        .one());
    assertThat(stored).doesNotContain(PASSWORD).doesNotContain("pg-secret-");

    // PATCH re-checks like any kind: sslmode known, the port a port; the password kept if absent
    Res bad =
        clientToken.patch(
            "/connections/" + r.id(),
            Map.of(
                "settings",
                Map.of("host", "127.0.0.1", "user", "postgres", "sslmode", "sometimes")));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("settings.sslmode", "must be one of disable, allow, prefer");
    Res ok =
        clientToken.patch(
            "/connections/" + r.id(),
            Map.of(
                "settings",
                Map.of(
                    "host",
                    "127.0.0.1",
                    "port",
                    "5433",
                    "user",
                    "postgres",
                    "sslmode",
                    "disable")));
    assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    assertThat(ok.json().get("settings").get("sslmode").asText()).isEqualTo("disable");
    assertThat(ok.json().get("hasSecret").asBoolean()).isTrue();
    assertThat(clientToken.patch("/connections/" + r.id(), Map.of("kind", "sftp")).body())
        .contains("cannot change (it is 'postgresql')");
    assertThat(logs.lines()).noneMatch(l -> l.contains(PASSWORD));
  }

  @Test
  void badSettingsAreRefusedFieldByFieldSayingWhatToGive() throws Exception {
    Res missing =
        clientToken.post(
            "/clients/" + client + "/connections",
            Map.of("name", "no host", "kind", "postgresql", "settings", Map.of("port", "5432")));
    assertThat(missing.status()).isEqualTo(400);
    JsonNode errors = missing.json().get("fields");
    assertThat(errors.get("settings.host").asText())
        .isEqualTo("is required (the server's host name or address)");
    assertThat(errors.get("settings.user").asText()).startsWith("is required (the login");

    Res bad =
        clientToken.post(
            "/clients/" + client + "/connections",
            Map.of(
                "name",
                "bad",
                "kind",
                "postgresql",
                "settings",
                Map.of(
                    "host", "postgres://db.example.com/x", "port", "99999", "user", "u", "db", "x"),
                "secret",
                Map.of("pass", "x")));
    assertThat(bad.status()).isEqualTo(400);
    errors = bad.json().get("fields");
    // unknown fields first (the kind's own checks come once the fields are right)
    assertThat(errors.get("settings.db").asText())
        .isEqualTo("unknown field; accepted: host, port, user, sslmode");
    assertThat(errors.get("secret.pass").asText()).isEqualTo("unknown field; accepted: password");
    Res bad2 =
        clientToken.post(
            "/clients/" + client + "/connections",
            Map.of(
                "name",
                "bad",
                "kind",
                "postgresql",
                "settings",
                Map.of("host", "postgres://db.example.com/x", "port", "99999", "user", "u")));
    errors = bad2.json().get("fields");
    assertThat(errors.get("settings.host").asText())
        .contains("no scheme, no port, no path; the port goes in settings.port");
    assertThat(errors.get("settings.port").asText())
        .isEqualTo("must be a port number 1-65535 (got '99999')");
  }

  @Test
  void itIsNeitherAJobsSourceNorItsDestinationNorAProjectsDefault() throws Exception {
    String db =
        clientToken
            .post(
                "/clients/" + client + "/connections",
                pg("db " + UUID.randomUUID(), PgClusters.main(), null))
            .id();
    String files = admin.localConnection(client, "files " + UUID.randomUUID(), dir);
    String project = admin.project(client, "pg project " + UUID.randomUUID());
    for (String[] sides : new String[][] {{db, files}, {files, db}}) {
      Res r =
          admin.post(
              "/projects/" + project + "/jobs",
              Map.of(
                  "name",
                  "j",
                  "source",
                  Map.of("connectionId", sides[0], "path", "a"),
                  "destination",
                  Map.of("connectionId", sides[1], "path", "b")));
      assertThat(r.status()).as(r.toString()).isEqualTo(400);
      String field = sides[0].equals(db) ? "source.connectionId" : "destination.connectionId";
      assertThat(r.json().get("fields").get(field).asText())
          .contains("a 'postgresql' connection, a database server and not a files location")
          .contains("local, onedrive, s3, sftp, sharepoint");
    }
    Res p =
        clientToken.post(
            "/clients/" + client + "/projects",
            Map.of(
                "name",
                "x " + UUID.randomUUID(),
                "type",
                "ARCHIVE",
                "defaultDestinationConnectionId",
                db));
    assertThat(p.status()).as(p.toString()).isEqualTo(400);
    assertThat(p.json().get("fields").get("defaultDestinationConnectionId").asText())
        .contains("not a files location");
  }

  @Test
  void oneThatATransitCutoverNamesCannotBeDeleted() throws Exception {
    String tag = UUID.randomUUID().toString().substring(0, 8);
    String serverDb =
        admin
            .post(
                "/clients/" + client + "/connections",
                pg("server db " + tag, PgClusters.main(), null))
            .id();
    String transitDb =
        admin
            .post(
                "/clients/" + client + "/connections",
                pg("transit db " + tag, PgClusters.transit(), null))
            .id();
    java.nio.file.Files.createDirectories(dir.resolve("server/alpha"));
    java.nio.file.Files.createDirectories(dir.resolve("transit"));
    String serverFiles =
        admin.localConnection(client, "server files " + tag, dir.resolve("server"));
    String transitFiles =
        admin.localConnection(client, "transit files " + tag, dir.resolve("transit"));
    String project = admin.project(client, "transit project " + tag);
    Res t =
        admin.post(
            "/transits",
            Map.of(
                "projectId",
                project,
                "name",
                "t " + tag,
                "server",
                Map.of("files", Map.of("connectionId", serverFiles), "postgresql", serverDb),
                "transit",
                Map.of("files", Map.of("connectionId", transitFiles), "postgresql", transitDb),
                "accounts",
                List.of(Map.of("name", "alpha", "databases", List.of("alpha_db")))));
    assertThat(t.status()).as(t.toString()).isEqualTo(201);
    for (String db : List.of(serverDb, transitDb)) {
      Res d = admin.delete("/connections/" + db);
      assertThat(d.status()).as(d.toString()).isEqualTo(409);
      assertThat(d.body()).contains("is used by a project, a job or a transit cutover");
      assertThat(admin.get("/connections/" + db).status()).isEqualTo(200);
    }
    String unused =
        admin
            .post(
                "/clients/" + client + "/connections", pg("unused " + tag, PgClusters.main(), null))
            .id();
    assertThat(admin.delete("/connections/" + unused).status()).isEqualTo(204);
  }

  // --- the server's database moves -----------------------------------------------------------

  /** A workflow of this test that asks the server's queue for database sizes and moves. */
  /** What the probe learnt: the source's size, and the move. */
  public record Probed(long size, MoveResult move) {}

  @WorkflowInterface
  public interface Probe {
    @WorkflowMethod
    Probed run(MoveRequest move);
  }

  public static class ProbeImpl implements Probe {
    private final DatabaseActivities db =
        Workflow.newActivityStub(
            DatabaseActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(CutoverWorkflow.SERVER_QUEUE)
                .setStartToCloseTimeout(Duration.ofMinutes(5))
                .setHeartbeatTimeout(Duration.ofSeconds(30))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());

    @Override
    public Probed run(MoveRequest move) {
      long size = db.databaseSize(move.from());
      return new Probed(size, db.moveDatabase(move));
    }
  }

  @Test
  void theServerMovesADatabaseWithTheSealedPasswordAndSaysWhenTheLoginIsRefused() throws Exception {
    String tag = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    String src = "ferry_api_src_" + tag;
    String dst = "ferry_api_dst_" + tag;
    String role = "ferry_api_pw_" + tag;
    PgServer main = PgClusters.main();
    PgServer transit = PgClusters.requireTransit();
    PgClusters.sql(main, "postgres", "create database " + src);
    PgClusters.sql(
        main,
        src,
        "create table notes(id serial primary key, body text, at timestamptz default now())",
        "insert into notes(body) select 'note ' || i from generate_series(1, 1500) i");
    PgClusters.sql(
        transit,
        "postgres",
        "create role "
            + role
            + " login createdb password '"
            + PASSWORD
            + "' in role ferry_password");
    WorkerFactory factory = WorkerFactory.newInstance(h.server.runtime().client());
    try {
      String from =
          clientToken
              .post("/clients/" + client + "/connections", pg("src " + tag, main, null))
              .id();
      Map<String, Object> body =
          new java.util.HashMap<>(
              pg(
                  "dst " + tag,
                  new PgServer(transit.host(), transit.port(), role, null, null),
                  PASSWORD));
      String to = clientToken.post("/clients/" + client + "/connections", body).id();
      body.put("name", "wrong " + tag);
      body.put("secret", Map.of("password", "not " + PASSWORD));
      String wrong = clientToken.post("/clients/" + client + "/connections", body).id();

      String queue = "db-probe-" + tag;
      factory.newWorker(queue).registerWorkflowImplementationTypes(ProbeImpl.class);
      factory.start();
      WorkflowClient wc = h.server.runtime().client();

      Probe probe =
          wc.newWorkflowStub(Probe.class, WorkflowOptions.newBuilder().setTaskQueue(queue).build());
      Probed out =
          probe.run(
              new MoveRequest(new DatabaseRef(from, src), new DatabaseRef(to, dst), "api-" + tag));
      assertThat(out.size()).isPositive();
      MoveResult r = out.move();
      assertThat(r.bytes()).isPositive(); // pg_database_size moves a little between two reads
      assertThat(r.ok()).as(r.problem()).isTrue();
      assertThat(r.tables())
          .singleElement()
          .satisfies(
              t -> {
                assertThat(t.table()).isEqualTo("public.notes");
                assertThat(t.targetRows()).isEqualTo(1500);
              });
      assertThat(PgClusters.query(transit, dst, "select count(*) from notes")).isEqualTo("1500");
      assertThat(
              PgClusters.query(
                  transit, dst, "select tableowner from pg_tables where tablename = 'notes'"))
          .isEqualTo(role);

      Probe refused =
          wc.newWorkflowStub(Probe.class, WorkflowOptions.newBuilder().setTaskQueue(queue).build());
      assertThatThrownBy(
              () ->
                  refused.run(
                      new MoveRequest(
                          new DatabaseRef(from, src), new DatabaseRef(wrong, dst), "api2-" + tag)))
          .isInstanceOf(WorkflowFailedException.class)
          .cause()
          .isInstanceOf(ActivityFailure.class)
          .cause()
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f -> {
                assertThat(f.isNonRetryable()).isTrue();
                assertThat(f.getType()).isEqualTo("FerryAccessDenied");
                assertThat(f.getOriginalMessage())
                    .contains("refused the login of user '" + role + "'")
                    .doesNotContain(PASSWORD);
              });
      // the first move's copy is untouched by the refused one
      assertThat(PgClusters.query(transit, dst, "select count(*) from notes")).isEqualTo("1500");
      assertThat(logs.lines()).noneMatch(l -> l.contains(PASSWORD));
    } finally {
      factory.shutdownNow();
      PgClusters.drop(main, src);
      PgClusters.drop(transit, dst);
      PgClusters.sql(transit, "postgres", "drop role if exists " + role);
    }
  }
}
