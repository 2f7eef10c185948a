package dev.ferry.api.server;

import static dev.ferry.api.server.ApiValidationTest.assertFields;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.activities.testing.GraphDriveFake;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import io.temporal.common.WorkflowExecutionHistory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code onedrive} and {@code sharepoint} connections against the Graph fake: the app's client
 * secret comes from the connection (the server's environment has no {@code FERRY_GRAPH_*}), jobs
 * run both ways, and the secret is nowhere in clear — not in Temporal, the API's answers, the
 * database row or the logs.
 */
class ApiGraphTest {
  static final String SECRET = GraphDriveFake.CLIENT_SECRET;
  static ApiHarness h;
  static Api api;
  static GraphDriveFake graph;
  static LogCapture logs;
  @TempDir Path dir;

  @BeforeAll
  static void up() throws IOException {
    h = ApiHarness.get();
    api = h.admin;
    graph = GraphDriveFake.start();
    assertThat(h.env).doesNotContainKeys("FERRY_GRAPH_CLIENT_ID", "FERRY_GRAPH_CLIENT_SECRET");
    logs = LogCapture.start();
  }

  @AfterAll
  static void down() {
    logs.close();
    graph.close();
  }

  static String[] forms() {
    return new String[] {
      SECRET,
      Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8)),
      Base64.getEncoder()
          .encodeToString(
              ("{\"clientSecret\":\"" + SECRET + "\"}").getBytes(StandardCharsets.UTF_8)),
      SECRET.substring(4, 20)
    };
  }

  static Map<String, Object> connection(String name, String kind, Map<String, String> settings) {
    return Map.of(
        "name", name, "kind", kind, "settings", settings, "secret", Map.of("clientSecret", SECRET));
  }

  static Map<String, String> fake(Map<String, String> settings) {
    Map<String, String> m = new HashMap<>(settings);
    m.put("clientId", GraphDriveFake.CLIENT_ID);
    m.put("endpoint", graph.baseUrl());
    m.put("authority", graph.authority());
    return m;
  }

  static void tree(Path root) throws IOException {
    Random r = new Random(42);
    byte[] big = new byte[(6 << 20) + 4321]; // above the 4 MiB simple upload: an upload session
    r.nextBytes(big);
    byte[] small = new byte[70_000];
    r.nextBytes(small);
    write(root.resolve("big/large.bin"), big);
    write(root.resolve("a/b/deep.bin"), small);
    write(root.resolve("with space/ünïcødé.txt"), "grüße".getBytes(StandardCharsets.UTF_8));
    write(root.resolve("top.txt"), "to the cloud".getBytes(StandardCharsets.UTF_8));
    write(root.resolve("empty.dat"), new byte[0]);
  }

  static void write(Path p, byte[] data) throws IOException {
    Files.createDirectories(p.getParent());
    Files.write(p, data);
  }

  static Map<String, byte[]> files(Path root) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p)) {
          out.put(root.relativize(p).toString(), Files.readAllBytes(p));
        }
      }
    }
    return out;
  }

  static void assertSameTree(Path expected, Path actual) throws IOException {
    Map<String, byte[]> want = files(expected);
    Map<String, byte[]> got = files(actual);
    assertThat(got.keySet()).containsExactlyElementsOf(want.keySet());
    want.forEach((k, v) -> assertThat(got.get(k)).as(k).isEqualTo(v));
  }

  @Test
  void badConnectionsAreRefusedFieldByField() {
    String client = api.client("Graph bad " + UUID.randomUUID());
    String path = "/clients/" + client + "/connections";
    Res missing =
        api.post(
            path,
            Map.of(
                "name",
                "od",
                "kind",
                "onedrive",
                "settings",
                Map.of("user", "alice@contoso.example", "colour", "red")));
    assertFields(
        missing,
        Map.of(
            "settings.clientId", "is required",
            "secret.clientSecret", "is required",
            "settings.colour", "unknown field; accepted: user, root, tenant, clientId"));
    assertFields(
        api.post(
            path,
            connection(
                "od",
                "onedrive",
                Map.of(
                    "user", "alice",
                    "root", "../up",
                    "clientId", "my app",
                    "tenant", "https://login.example/t",
                    "endpoint", "ftp://graph.example",
                    "authority", "login.microsoftonline.com"))),
        Map.of(
            "settings.user", "principal name",
            "settings.root", "..",
            "settings.clientId", "client) id",
            "settings.tenant", "tenant) id",
            "settings.endpoint", "http(s):// URL",
            "settings.authority", "http(s):// URL"));
    assertFields(
        api.post(
            path,
            connection(
                "sp",
                "sharepoint",
                Map.of("host", "contoso.sharepoint.com", "site", "x", "clientId", "c"))),
        Map.of("settings.library", "is required", "settings.tenant", "is required"));
    assertFields(
        api.post(
            path,
            connection(
                "sp",
                "sharepoint",
                Map.of(
                    "host", "https://contoso.sharepoint.com/sites/marketing",
                    "site", "sites/marketing",
                    "library", "Documents",
                    "tenant", "contoso.onmicrosoft.com",
                    "clientId", "c"))),
        Map.of(
            "settings.host", "host name only",
            "settings.site", "without '/'"));
    assertThat(api.get(path).json().get("connections").size()).isZero();
  }

  @Test
  void localToOneDriveAndBackWithTheClientSecretOnlyInTheConnection() throws Exception {
    Path src = dir.resolve("src");
    Path back = dir.resolve("back");
    tree(src);
    String user = "u" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
    String drive = graph.addUser(user);
    String client = api.client("OneDrive " + UUID.randomUUID());
    // no tenant: the user's domain is not the fake's tenant, so name it
    Res conn =
        api.post(
            "/clients/" + client + "/connections",
            connection(
                "onedrive",
                "onedrive",
                fake(Map.of("user", user, "root", "Backups", "tenant", GraphDriveFake.TENANT))));
    assertThat(conn.status()).as(conn.toString()).isEqualTo(201);
    assertThat(conn.json().get("hasSecret").asBoolean()).isTrue();
    assertThat(conn.json().has("secret")).isFalse();
    String local = api.localConnection(client, "local", src);
    String home = api.localConnection(client, "back", back);
    String project = api.project(client, "p");

    String up = api.job(project, local, conn.id(), Map.of("options", Map.of("chunkSizeMiB", 5)));
    long run = api.run(up, "FULL");
    JsonNode end = api.awaitEnd(up);
    assertThat(end.at("/lastRun/state").asText()).as(end.toString()).isEqualTo("COMPLETED");
    assertThat(graph.content(drive, "Backups/top.txt").orElseThrow())
        .isEqualTo("to the cloud".getBytes(StandardCharsets.UTF_8));
    assertThat(graph.content(drive, "Backups/big/large.bin").orElseThrow())
        .isEqualTo(Files.readAllBytes(src.resolve("big/large.bin")));
    assertThat(graph.requests()).anyMatch(r -> r.startsWith("PUT /upload/"));
    JsonNode report = api.get("/jobs/" + up + "/runs/" + run + "/report").json();
    assertThat(report.toString()).contains("quickxorhash");

    String down = api.job(project, conn.id(), home, Map.of());
    long downRun = api.run(down, "FULL");
    JsonNode downEnd = api.awaitEnd(down);
    assertThat(downEnd.at("/lastRun/state").asText()).as(downEnd.toString()).isEqualTo("COMPLETED");
    assertSameTree(src, back);

    // no trace of the secret in any workflow of either run
    List<String> workflows = new ArrayList<>();
    workflows.addAll(h.server.api().services().launcher.workflowIds(run));
    workflows.addAll(h.server.api().services().launcher.workflowIds(downRun));
    assertThat(workflows).isNotEmpty();
    for (String wf : workflows) {
      WorkflowExecutionHistory history = h.server.runtime().client().fetchHistory(wf);
      String json = history.toJson(true);
      String raw = new String(history.getHistory().toByteArray(), StandardCharsets.ISO_8859_1);
      for (String form : forms()) {
        assertThat(json).as("history JSON of " + wf).doesNotContain(form);
        assertThat(raw).as("history bytes of " + wf).doesNotContain(form);
      }
      assertThat(json).doesNotContain(user); // nor the connection's settings
    }

    // nor in any answer of the API about the connection, the jobs and their runs
    List<String> answers = new ArrayList<>();
    answers.add(conn.body());
    answers.add(api.get("/connections/" + conn.id()).body());
    answers.add(api.get("/clients/" + client + "/connections").body());
    for (String[] jr : new String[][] {{up, "" + run}, {down, "" + downRun}}) {
      String runs = "/jobs/" + jr[0] + "/runs";
      answers.add(api.get("/jobs/" + jr[0]).body());
      answers.add(api.get(runs).body());
      answers.add(api.get(runs + "/" + jr[1]).body());
      answers.add(api.get(runs + "/" + jr[1] + "/log").body());
      answers.add(api.get(runs + "/" + jr[1] + "/report").body());
      answers.add(api.get(runs + "/" + jr[1] + "/report.csv").body());
    }
    for (String a : answers) {
      for (String form : forms()) {
        assertThat(a).as("API answer").doesNotContain(form);
      }
    }

    // at rest: the settings in clear, the secret only as ciphertext
    Map<String, Object> row =
        h.db
            .catalog()
            .jdbi()
            .withHandle(
                x ->
                    x.createQuery(
                            "select settings::text as settings, secret from connections"
                                + " where id = cast(? as uuid)")
                        .bind(0, conn.id())
                        .mapToMap()
                        .one());
    String settings = (String) row.get("settings");
    byte[] stored = (byte[]) row.get("secret");
    assertThat(settings).contains(user).contains(GraphDriveFake.CLIENT_ID);
    String storedText = new String(stored, StandardCharsets.ISO_8859_1);
    for (String form : forms()) {
      assertThat(settings).doesNotContain(form);
      assertThat(storedText).doesNotContain(form);
    }
    assertThat(stored.length).isGreaterThan(SECRET.length() + 12 + 16);

    // a wrong secret fails the next run with the identity platform's reason, not the secret
    Res wrong =
        api.patch(
            "/connections/" + conn.id(),
            Map.of("secret", Map.of("clientSecret", "wrong-graph-secret-value")));
    assertThat(wrong.status()).as(wrong.toString()).isEqualTo(200);
    api.run(down, "INCREMENTAL");
    JsonNode failed = api.awaitEnd(down);
    assertThat(failed.at("/lastRun/state").asText()).as(failed.toString()).isEqualTo("FAILED");
    assertThat(failed.toString())
        .contains("AADSTS7000215")
        .contains("clientSecret")
        .doesNotContain("wrong-graph-secret-value");

    assertThat(logs.lines()).isNotEmpty();
    for (String line : logs.lines()) {
      for (String form : forms()) {
        assertThat(line).as("log line").doesNotContain(form);
      }
      assertThat(line).as("log line").doesNotContain("wrong-graph-secret-value");
    }
  }

  @Test
  void sharePointLibraryBothWays() throws Exception {
    Path src = dir.resolve("src");
    Path back = dir.resolve("back");
    write(src.resolve("plan/q1.txt"), "quarter one".getBytes(StandardCharsets.UTF_8));
    write(src.resolve("note.md"), "# notes".getBytes(StandardCharsets.UTF_8));
    String site = "s" + UUID.randomUUID().toString().substring(0, 8);
    graph.addSite("contoso.sharepoint.com", site, "Documents", "Shared Assets");
    String client = api.client("SharePoint " + UUID.randomUUID());
    Res conn =
        api.post(
            "/clients/" + client + "/connections",
            connection(
                "library",
                "sharepoint",
                fake(
                    Map.of(
                        "host", "Contoso.SharePoint.com",
                        "site", site,
                        "library", "Shared Assets",
                        "root", "2024/",
                        "tenant", GraphDriveFake.TENANT))));
    assertThat(conn.status()).as(conn.toString()).isEqualTo(201);
    String local = api.localConnection(client, "local", src);
    String home = api.localConnection(client, "back", back);
    String project = api.project(client, "p");
    String up = api.job(project, local, conn.id(), Map.of());
    api.run(up, "FULL");
    JsonNode end = api.awaitEnd(up);
    assertThat(end.at("/lastRun/state").asText()).as(end.toString()).isEqualTo("COMPLETED");
    String down = api.job(project, conn.id(), home, Map.of());
    api.run(down, "FULL");
    JsonNode downEnd = api.awaitEnd(down);
    assertThat(downEnd.at("/lastRun/state").asText()).as(downEnd.toString()).isEqualTo("COMPLETED");
    assertSameTree(src, back);
  }

  @Test
  void filesTheLibraryRewritesAreAlteredInTheReportAndListedApartByTheVerificationGate()
      throws Exception {
    Path src = dir.resolve("src");
    write(src.resolve("plan.docx"), "a word document".getBytes(StandardCharsets.UTF_8));
    write(src.resolve("notes.txt"), "plain".getBytes(StandardCharsets.UTF_8));
    String user = "a" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
    graph.addUser(user);
    String client = api.client("Altered " + UUID.randomUUID());
    Res conn =
        api.post(
            "/clients/" + client + "/connections",
            connection(
                "onedrive",
                "onedrive",
                fake(Map.of("user", user, "root", "Lib", "tenant", GraphDriveFake.TENANT))));
    assertThat(conn.status()).as(conn.toString()).isEqualTo(201);
    String local = api.localConnection(client, "local", src);
    String project = api.project(client, "p");
    Res bad =
        api.post(
            "/projects/" + project + "/jobs",
            Map.of(
                "name", "bad",
                "source", Map.of("connectionId", local),
                "destination", Map.of("connectionId", conn.id()),
                "options", Map.of("acceptAltered", "pdf")));
    assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
    assertThat(bad.body()).contains("acceptAltered");
    String job =
        api.job(project, local, conn.id(), Map.of("options", Map.of("acceptAltered", "office")));
    graph.alterOfficeFiles(true);
    try {
      long run = api.run(job, "FULL");
      JsonNode end = api.awaitEnd(job);
      assertThat(end.at("/lastRun/state").asText()).as(end.toString()).isEqualTo("COMPLETED");
      JsonNode report = api.get("/jobs/" + job + "/runs/" + run + "/report").json();
      JsonNode row = null;
      for (JsonNode f : report.get("files")) {
        if (f.get("path").asText().equals("plan.docx")) {
          row = f;
        }
      }
      assertThat(row).as(report.toString()).isNotNull();
      assertThat(row.get("outcome").asText()).isEqualTo("altered");
      assertThat(row.get("verifiedBy").asText()).isEqualTo("altered-accepted");
      assertThat(row.get("destinationSize").asLong())
          .isEqualTo("a word document".length() + GraphDriveFake.LIBRARY_METADATA.length);
      assertThat(row.get("sentHash").asText())
          .isEqualTo(
              dev.ferry.activities.storage.graph.QuickXorHash.of(
                  "a word document".getBytes(StandardCharsets.UTF_8)));
      assertThat(row.get("destinationHash").asText()).isNotEqualTo(row.get("sentHash").asText());
      String csv = api.get("/jobs/" + job + "/runs/" + run + "/report.csv").body();
      assertThat(csv).contains("destination_size,destination_hash,sent_hash").contains(",altered,");
      JsonNode log = api.get("/jobs/" + job + "/runs/" + run + "/log?outcome=altered").json();
      assertThat(log.toString()).contains("plan.docx").contains("altered by the destination");

      // the gate lists the file apart, as accepted, and passes
      Res started = api.post("/jobs/" + job + "/cutover", Map.of());
      assertThat(started.status()).as(started.toString()).isEqualTo(201);
      ApiHarness.await(
          java.time.Duration.ofSeconds(120),
          () -> {
            JsonNode c = api.get("/jobs/" + job + "/cutover").json();
            return c.get("rounds").size() >= 1 && !c.get("roundRunning").asBoolean();
          });
      assertThat(api.post("/jobs/" + job + "/cutover/freeze", Map.of()).status()).isEqualTo(200);
      JsonNode[] c = new JsonNode[1];
      ApiHarness.await(
          java.time.Duration.ofSeconds(120),
          () -> {
            c[0] = api.get("/jobs/" + job + "/cutover").json();
            String st = c[0].get("state").asText();
            return st.equals("verified") || st.equals("verification_failed");
          });
      assertThat(c[0].get("state").asText()).as(c[0].toString()).isEqualTo("verified");
      assertThat(c[0].at("/lastCheck/differences").asLong()).isZero();
      JsonNode diffs = api.get("/jobs/" + job + "/cutover/differences").json();
      assertThat(diffs.at("/differences/0/path").asText())
          .as(diffs.toString())
          .isEqualTo("plan.docx");
      assertThat(diffs.at("/differences/0/kind").asText()).isEqualTo("altered_accepted");
      assertThat(diffs.at("/differences/0/detail").asText()).contains("accepted by the job");
    } finally {
      graph.alterOfficeFiles(false);
    }
  }

  @Test
  void anAlteredFileTheJobDoesNotAcceptFailsTheVerificationGateUnderItsOwnKind() throws Exception {
    Path src = dir.resolve("src");
    write(src.resolve("sheet.xlsx"), "a spreadsheet".getBytes(StandardCharsets.UTF_8));
    String user = "g" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
    graph.addUser(user);
    String client = api.client("Gate " + UUID.randomUUID());
    Res conn =
        api.post(
            "/clients/" + client + "/connections",
            connection(
                "onedrive",
                "onedrive",
                fake(Map.of("user", user, "root", "Gate", "tenant", GraphDriveFake.TENANT))));
    String local = api.localConnection(client, "local", src);
    String job = api.job(api.project(client, "p"), local, conn.id(), Map.of());
    graph.alterOfficeFiles(true);
    try {
      api.run(job, "FULL");
      JsonNode end = api.awaitEnd(job);
      assertThat(end.at("/lastRun/state").asText())
          .as(end.toString())
          .isEqualTo("COMPLETED_WITH_ERRORS");
      assertThat(api.post("/jobs/" + job + "/cutover", Map.of()).status()).isEqualTo(201);
      ApiHarness.await(
          java.time.Duration.ofSeconds(120),
          () -> {
            JsonNode c = api.get("/jobs/" + job + "/cutover").json();
            return c.get("rounds").size() >= 1 && !c.get("roundRunning").asBoolean();
          });
      assertThat(api.post("/jobs/" + job + "/cutover/freeze", Map.of()).status()).isEqualTo(200);
      JsonNode[] c = new JsonNode[1];
      ApiHarness.await(
          java.time.Duration.ofSeconds(120),
          () -> {
            c[0] = api.get("/jobs/" + job + "/cutover").json();
            String st = c[0].get("state").asText();
            return st.equals("verified") || st.equals("verification_failed");
          });
      assertThat(c[0].get("state").asText()).as(c[0].toString()).isEqualTo("verification_failed");
      assertThat(c[0].at("/lastCheck/differences").asLong()).isEqualTo(1);
      JsonNode diffs = api.get("/jobs/" + job + "/cutover/differences").json();
      assertThat(diffs.at("/differences/0/path").asText()).isEqualTo("sheet.xlsx");
      assertThat(diffs.at("/differences/0/kind").asText()).isEqualTo("altered");
      assertThat(diffs.at("/differences/0/detail").asText())
          .contains("altered by the destination")
          .contains("were sent");
    } finally {
      graph.alterOfficeFiles(false);
    }
  }
}
