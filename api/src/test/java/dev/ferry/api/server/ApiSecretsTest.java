package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import io.temporal.common.WorkflowExecutionHistory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A connection's secret is encrypted at rest, never returned, never logged, and never placed in
 * Temporal: a job that can only run with the decrypted secret completes, and its whole workflow
 * history holds no trace of it.
 */
class ApiSecretsTest {
  static final String SECRET = LockedLocalKind.PASSWORD;
  static ApiHarness h;
  static Api api;
  static LogCapture logs;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
    logs = LogCapture.start();
  }

  @AfterAll
  static void down() {
    logs.close();
  }

  static String[] forms() {
    return new String[] {
      SECRET,
      Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8)),
      Base64.getEncoder()
          .encodeToString(("{\"password\":\"" + SECRET + "\"}").getBytes(StandardCharsets.UTF_8)),
      SECRET.substring(3, 20)
    };
  }

  @Test
  void aSecondServerOfTheDatabaseWithAMasterKeyOfItsOwnRefusesToStartSayingWhichKeyItNeeds()
      throws Exception {
    String client = api.client("Second server " + UUID.randomUUID());
    Res conn =
        api.post(
            "/clients/" + client + "/connections",
            Map.of(
                "name",
                "sealed",
                "kind",
                "locked-local",
                "settings",
                Map.of("root", dir.toString()),
                "secret",
                Map.of("password", SECRET)));
    assertThat(conn.status()).as(conn.toString()).isEqualTo(201);
    // the same database, another FERRY_HOME (so another master.key) and no FERRY_MASTER_KEY
    Map<String, String> env = new java.util.HashMap<>(h.env);
    env.put("FERRY_HOME", dir.resolve("second-home").toString());
    env.remove("FERRY_MASTER_KEY");
    assertThatThrownBy(
            () ->
                FerryServer.start(
                    env,
                    new FerryServer.Listen("127.0.0.1", 0),
                    dev.ferry.activities.catalog.ConnectionKinds.defaults()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(dir.resolve("second-home/master.key").toString())
        .hasMessageContaining("does not open the connection secrets stored in the database")
        .hasMessageContaining("Every ferry server of one database needs the same key")
        .hasMessageNotContaining(SECRET);
    // with the first server's key it starts, on the same Temporal service, and serves them
    env.put("TEMPORAL_ADDRESS", h.server.temporal().address());
    env.put(
        "FERRY_MASTER_KEY",
        Files.readString(h.home.resolve("master.key"), StandardCharsets.US_ASCII).trim());
    try (FerryServer second =
        FerryServer.start(
            env,
            new FerryServer.Listen("127.0.0.1", 0),
            dev.ferry.activities.catalog.ConnectionKinds.defaults())) {
      assertThat(
              ApiHarness.at(second.apiUrl(), h.adminToken)
                  .get("/connections/" + conn.id())
                  .status())
          .isEqualTo(200);
    }
  }

  @Test
  void aJobThatNeedsTheSecretRunsAndNeitherHistoryDatabaseNorLogsHoldIt() throws Exception {
    Path src = dir.resolve("vault");
    Path dst = dir.resolve("out");
    Files.createDirectories(src.resolve("x"));
    Files.writeString(src.resolve("x/data.txt"), "guarded");
    String client = api.client("Secrets " + UUID.randomUUID());
    Res conn =
        api.post(
            "/clients/" + client + "/connections",
            Map.of(
                "name",
                "vault",
                "kind",
                "locked-local",
                "settings",
                Map.of("root", src.toString()),
                "secret",
                Map.of("password", SECRET)));
    assertThat(conn.status()).as(conn.toString()).isEqualTo(201);
    String out = api.localConnection(client, "out", dst);
    String project = api.project(client, "p");
    String job = api.job(project, conn.id(), out, Map.of());
    long run = api.run(job, "FULL");
    JsonNode end = api.awaitEnd(job);
    assertThat(end.get("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
    assertThat(Files.readString(dst.resolve("x/data.txt"))).isEqualTo("guarded");

    // the whole history of every workflow of the run
    List<String> workflows = h.server.api().services().launcher.workflowIds(run);
    assertThat(workflows).isNotEmpty();
    for (String wf : workflows) {
      WorkflowExecutionHistory history = h.server.runtime().client().fetchHistory(wf);
      assertThat(history.getEvents()).hasSizeGreaterThan(5);
      String json = history.toJson(true);
      String raw = new String(history.getHistory().toByteArray(), StandardCharsets.ISO_8859_1);
      for (String form : forms()) {
        assertThat(json).as("history JSON of " + wf).doesNotContain(form);
        assertThat(raw).as("history bytes of " + wf).doesNotContain(form);
      }
      assertThat(json).doesNotContain(src.toString()); // nor the connection's settings
    }

    // at rest: only ciphertext, and a key file only its owner can read
    byte[] stored =
        h.db
            .catalog()
            .jdbi()
            .withHandle(
                x ->
                    x.createQuery("select secret from connections where id = cast(? as uuid)")
                        .bind(0, conn.id())
                        .mapTo(byte[].class)
                        .one());
    String storedText = new String(stored, StandardCharsets.ISO_8859_1);
    for (String form : forms()) {
      assertThat(storedText).doesNotContain(form);
    }
    assertThat(stored.length).isGreaterThan(SECRET.length() + 12 + 16);
    Path key = h.home.resolve("master.key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");

    // a wrong secret fails the run with the connector's words, which do not repeat the secret
    Res wrong =
        api.patch("/connections/" + conn.id(), Map.of("secret", Map.of("password", "not-it")));
    assertThat(wrong.status()).isEqualTo(200);
    api.run(job, "INCREMENTAL");
    JsonNode failed = api.awaitEnd(job);
    assertThat(failed.get("state").asText()).isEqualTo("FAILED");
    assertThat(failed.at("/lastRun/owners/0/message").asText()).contains("wrong password");

    assertThat(logs.lines()).isNotEmpty();
    for (String line : logs.lines()) {
      for (String form : forms()) {
        assertThat(line).as("log line").doesNotContain(form).doesNotContain("not-it\"");
      }
    }
  }
}
