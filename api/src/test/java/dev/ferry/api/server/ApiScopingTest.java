package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token scoped to one client sees and changes only that client's resources: everything of another
 * client — clients, projects, connections, jobs, owners, runs, logs and reports, and the actions on
 * them — answers 404 exactly as if it did not exist, and nothing of it changes.
 */
class ApiScopingTest {
  static ApiHarness h;
  static Api admin;
  static Api tokenA;
  static String a;
  static String b;
  static String projectA;
  static String projectB;
  static String connA;
  static String connB;
  static String connB2;
  static String jobB;
  static long runB;
  @TempDir static Path dir;

  @BeforeAll
  static void world() throws Exception {
    h = ApiHarness.get();
    admin = h.admin;
    a = admin.client("Scope A " + UUID.randomUUID());
    b = admin.client("Scope B " + UUID.randomUUID());
    tokenA =
        h.api(
            admin.post("/tokens", Map.of("name", "a", "clientId", a)).json().get("token").asText());
    connA = admin.localConnection(a, "a-src", dir.resolve("a"));
    projectA = admin.project(a, "pa");
    Files.createDirectories(dir.resolve("b"));
    Files.writeString(dir.resolve("b/file.txt"), "b's data");
    connB = admin.localConnection(b, "b-src", dir.resolve("b"));
    connB2 = admin.localConnection(b, "b-dst", dir.resolve("b-out"));
    projectB = admin.project(b, "pb");
    jobB = admin.job(projectB, connB, connB2, Map.of());
    runB = admin.run(jobB, "DRY_RUN");
    admin.awaitEnd(jobB);
  }

  @Test
  void everyResourceOfAnotherClientIsNotFound() {
    String j = "/jobs/" + jobB;
    String r = j + "/runs/" + runB;
    Map<String, Res> answers = new LinkedHashMap<>();
    answers.put("GET client", tokenA.get("/clients/" + b));
    answers.put("PATCH client", tokenA.patch("/clients/" + b, Map.of("contactName", "x")));
    answers.put("GET projects", tokenA.get("/clients/" + b + "/projects"));
    answers.put(
        "POST project",
        tokenA.post("/clients/" + b + "/projects", Map.of("name", "x", "type", "ARCHIVE")));
    answers.put("GET project", tokenA.get("/projects/" + projectB));
    answers.put("PATCH project", tokenA.patch("/projects/" + projectB, Map.of("name", "x")));
    answers.put("GET connections", tokenA.get("/clients/" + b + "/connections"));
    answers.put(
        "POST connection",
        tokenA.post(
            "/clients/" + b + "/connections",
            Map.of("name", "x", "kind", "local", "settings", Map.of("root", "/tmp"))));
    answers.put("GET connection", tokenA.get("/connections/" + connB));
    answers.put("PATCH connection", tokenA.patch("/connections/" + connB, Map.of("name", "x")));
    answers.put("DELETE connection", tokenA.delete("/connections/" + connB2));
    answers.put(
        "POST job",
        tokenA.post(
            "/projects/" + projectB + "/jobs",
            Map.of("name", "x", "source", Map.of("connectionId", connB))));
    answers.put("GET job", tokenA.get(j));
    answers.put("PATCH job", tokenA.patch(j, Map.of("name", "x")));
    answers.put("DELETE job", tokenA.delete(j));
    answers.put("GET owners", tokenA.get(j + "/owners"));
    answers.put("PUT owners", tokenA.put(j + "/owners", Map.of("owners", List.of())));
    answers.put("PUT owners csv", tokenA.putCsv(j + "/owners", "source_path\nx\n"));
    answers.put("POST run", tokenA.post(j + "/runs", Map.of("mode", "FULL")));
    answers.put("GET runs", tokenA.get(j + "/runs"));
    answers.put("GET run", tokenA.get(r));
    answers.put("GET log", tokenA.get(r + "/log"));
    answers.put("GET report", tokenA.get(r + "/report"));
    answers.put("GET report.csv", tokenA.get(r + "/report.csv"));
    answers.put("POST pause", tokenA.post(j + "/pause", null));
    answers.put("POST resume", tokenA.post(j + "/resume", null));
    answers.put("POST cancel", tokenA.post(j + "/cancel", null));
    List<String> wrong = new ArrayList<>();
    answers.forEach(
        (what, res) -> {
          if (res.status() != 404) {
            wrong.add(what + " → " + res);
          } else if (res.body().contains("file.txt") || res.body().contains(b)) {
            wrong.add(what + " leaks: " + res.body());
          }
        });
    assertThat(wrong).isEmpty();

    // nothing changed, and nothing started
    assertThat(admin.get("/jobs/" + jobB).json().get("name").asText()).startsWith("job ");
    assertThat(admin.get("/jobs/" + jobB + "/runs").json().get("runs").size()).isEqualTo(1);
    assertThat(admin.get("/connections/" + connB2).status()).isEqualTo(200);
    assertThat(admin.get("/clients/" + b + "/projects").json().get("projects").size()).isEqualTo(1);
  }

  @Test
  void listingsShowOnlyTheTokensClient() {
    // a job of the server's own worker with local folders: the operator sets it up
    String jobA =
        admin.job(projectA, connA, admin.localConnection(a, "a-dst", dir.resolve("ao")), Map.of());
    assertThat(tokenA.get("/clients").json().get("clients").findValuesAsText("id"))
        .containsExactly(a);
    var mine = tokenA.get("/jobs").json().get("jobs");
    assertThat(ApiHarness.each(mine, "id")).contains(jobA).doesNotContain(jobB);
    assertThat(ApiHarness.each(mine, "clientId")).containsOnly(a);
    assertThat(tokenA.get("/jobs?clientId=" + b).json().get("jobs")).isEmpty();
    assertThat(tokenA.get("/jobs?projectId=" + projectB).json().get("jobs")).isEmpty();
    assertThat(tokenA.get("/jobs?state=READY").json().get("jobs")).isEmpty();
    assertThat(ApiHarness.each(admin.get("/jobs?clientId=" + b).json().get("jobs"), "id"))
        .containsExactly(jobB);
  }

  @Test
  void anotherClientsConnectionOrAgentCannotBeUsedInOnesOwnJob() {
    Res r =
        tokenA.post(
            "/projects/" + projectA + "/jobs",
            Map.of(
                "name", "steal",
                "source", Map.of("connectionId", connB),
                "destination", Map.of("connectionId", connA)));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.field("source.connectionId")).contains("no connection with this id");
    Res p =
        tokenA.post(
            "/clients/" + a + "/projects",
            Map.of("name", "x", "type", "ARCHIVE", "defaultDestinationConnectionId", connB));
    assertThat(p.status()).isEqualTo(400);
  }

  @Test
  void operatorOnlyRoutesAreForbiddenAndAgentsAreScoped() {
    assertThat(tokenA.post("/clients", Map.of("name", "mine")).status()).isEqualTo(403);
    assertThat(tokenA.get("/tokens").status()).isEqualTo(403);
    assertThat(tokenA.post("/tokens", Map.of("name", "more")).status()).isEqualTo(403);
    assertThat(tokenA.patch("/clients/" + a, Map.of("status", "INACTIVE")).status()).isEqualTo(400);
    Res code = tokenA.post("/agents/registration-codes", Map.of("clientId", b));
    assertThat(code.status()).isEqualTo(400);
    Res own = tokenA.post("/agents/registration-codes", Map.of());
    assertThat(own.status()).isEqualTo(201);
    assertThat(own.json().get("clientId").asText()).isEqualTo(a);
    assertThat(tokenA.get("/agents").json().get("agents")).isEmpty();
  }

  @Test
  void theOperatorSeesBothAndScopedTokensStillWorkOnTheirOwn() {
    // the operator sets up a job of local folders on the server; the client's token runs it
    String jobA =
        admin.job(
            projectA,
            connA,
            admin.localConnection(a, "out " + UUID.randomUUID(), dir.resolve("ao2")),
            Map.of());
    long run = tokenA.run(jobA, "DRY_RUN");
    tokenA.awaitEnd(jobA);
    assertThat(tokenA.get("/jobs/" + jobA + "/runs/" + run + "/report.csv").status())
        .isEqualTo(200);
    assertThat(tokenA.get("/jobs/" + jobA + "/runs/" + run + "/log").status()).isEqualTo(200);
    assertThat(admin.get("/jobs/" + jobA).status()).isEqualTo(200);
    assertThat(admin.get("/jobs/" + jobB).status()).isEqualTo(200);
    ApiHarness.await(Duration.ofSeconds(1), () -> true);
  }
}
