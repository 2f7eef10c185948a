package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.cli.Ferry;
import dev.ferry.api.server.ApiHarness.Api;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry cutover} against a real server: start, status, a step refused out of order with the
 * server's reason (exit 1), freeze, the gate passing, differences, switch, an abort refused after
 * it, decommission; a wrong token and an unknown action.
 */
class CutoverCommandTest {
  static ApiHarness h;
  static Api api;
  static String project;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
    String client = api.client("Cutover CLI " + UUID.randomUUID());
    project = api.project(client, "cutover-cli");
    clientId = client;
  }

  static String clientId;

  record Out(int code, String out, String err) {}

  static Out ferry(String token, String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("FERRY_SERVER", h.base());
    env.put("FERRY_TOKEN", token);
    int code =
        Ferry.execute(
            env,
            new PrintStream(o, true, StandardCharsets.UTF_8),
            new PrintStream(e, true, StandardCharsets.UTF_8),
            args);
    return new Out(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }

  /** The cutover once it is in {@code state} with no round running and at least one round. */
  JsonNode awaitState(String job, String state) {
    JsonNode[] last = new JsonNode[1];
    ApiHarness.await(
        Duration.ofSeconds(120),
        () -> {
          last[0] = api.get("/jobs/" + job + "/cutover").json();
          return last[0].path("state").asText().equals(state)
              && !last[0].path("roundRunning").asBoolean()
              && !last[0].path("rounds").isEmpty()
              && last[0]
                  .path("rounds")
                  .get(last[0].path("rounds").size() - 1)
                  .hasNonNull("endedAt");
        });
    return last[0];
  }

  @Test
  void drivesACutoverFromStartToDecommissionAndSaysWhyAStepIsRefused() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int i = 0; i < 5; i++) {
      ApiRunTest.write(src.resolve("f" + i + ".bin"), 2000 + i, i);
    }
    String s = api.localConnection(clientId, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(clientId, "dst " + UUID.randomUUID(), dst);
    String job = api.job(project, s, d, Map.of());
    String admin = h.adminToken;

    Out start = ferry(admin, "cutover", "start", job, "--fallback-days", "3");
    assertThat(start.code()).as(start.err()).isZero();
    assertThat(start.out()).contains("Cutover of job " + job + ": syncing");
    JsonNode synced = awaitState(job, "syncing");
    assertThat(synced.path("rounds")).hasSize(1);

    Out status = ferry(admin, "cutover", "status", job);
    assertThat(status.code()).isZero();
    assertThat(status.out()).contains("syncing").contains("FULL").contains("start by ");

    Out early = ferry(admin, "cutover", "switch", job);
    assertThat(early.code()).isEqualTo(Ferry.EXIT_FAILED);
    assertThat(early.err())
        .contains("refused: cannot switch before a verification passes: freeze the source first");

    Out freeze = ferry(admin, "cutover", "freeze", job, "--reason", "window opened");
    assertThat(freeze.code()).as(freeze.err()).isZero();
    awaitState(job, "verified");
    Out verified = ferry(admin, "cutover", "status", job);
    assertThat(verified.out())
        .contains(": verified")
        .contains("verification 1: passed, 5 files")
        .contains("0 differences");
    Out diffs = ferry(admin, "cutover", "differences", job);
    assertThat(diffs.code()).as(diffs.err()).isZero();
    assertThat(diffs.out()).contains("No differences.");
    Path csv = dir.resolve("differences.csv");
    assertThat(ferry(admin, "cutover", "differences", job, "--csv", csv.toString()).code())
        .isZero();
    assertThat(Files.readString(csv)).startsWith("path,kind,detail");

    Out sw = ferry(admin, "cutover", "switch", job);
    assertThat(sw.code()).as(sw.err()).isZero();
    awaitState(job, "fallback");
    Out abort = ferry(admin, "cutover", "abort", job, "--reason", "too late");
    assertThat(abort.code()).isEqualTo(Ferry.EXIT_FAILED);
    assertThat(abort.err()).contains("refused: cannot abort after the switch");

    Out json = ferry(admin, "cutover", "status", job, "--json");
    assertThat(ApiHarness.JSON.readTree(json.out()).path("fallbackEndsAt").asText()).isNotBlank();
    Out misplaced = ferry(admin, "cutover", "round", job, "--delete-source");
    assertThat(misplaced.code()).isEqualTo(Ferry.EXIT_USAGE);
    assertThat(misplaced.err()).contains("--delete-source applies to decommission only");
    Out end = ferry(admin, "cutover", "decommission", job, "--delete-source");
    assertThat(end.code()).as(end.err()).isZero();
    JsonNode done = awaitState(job, "decommissioned");
    assertThat(done.path("message").asText()).contains("deleted 5 verified files");
    try (var left = Files.list(src)) {
      assertThat(left).as("every verified file deleted at the source").isEmpty();
    }
    assertThat(dst.resolve("f0.bin")).exists();
    assertThat(done.path("steps"))
        .extracting(st -> st.path("name").asText())
        .contains("start", "freeze", "switch", "decommission");
  }

  @Test
  void aWrongTokenAnUnknownActionAndAnUnknownJobAreToldApart() {
    Out token = ferry("fy_not-a-token", "cutover", "status", UUID.randomUUID().toString());
    assertThat(token.code()).isEqualTo(Ferry.EXIT_ENVIRONMENT);
    assertThat(token.err()).contains("the server refused the token");
    Out action = ferry(h.adminToken, "cutover", "launch", "x");
    assertThat(action.code()).isEqualTo(Ferry.EXIT_USAGE);
    assertThat(action.err()).contains("unknown action 'launch'").contains("start, status");
    Out job = ferry(h.adminToken, "cutover", "status", UUID.randomUUID().toString());
    assertThat(job.code()).isEqualTo(Ferry.EXIT_USAGE);
    assertThat(job.err()).startsWith("ferry cutover: ");
  }
}
