package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.server.ApiHarness.Api;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent that goes away in the middle of a run, end to end with a real second process: killed
 * (SIGKILL, no goodbye), it shows Offline within a minute; its run waits — not failed, not ended,
 * its view saying it waits for that agent and since when — and when {@code ferry agent} is started
 * again on the same machine (same FERRY_HOME, no new code) the run carries on and completes with
 * every file.
 */
class AgentOfflineTest {
  static ApiHarness h;
  static Api api;
  @TempDir static Path dir;
  static Process agent;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
  }

  @AfterAll
  static void down() throws Exception {
    if (agent != null) {
      agent.destroyForcibly();
      agent.waitFor();
    }
  }

  /** Starts {@code ferry agent} in {@code home}, registered for {@code client} as {@code name}. */
  private static Process register(String client, String name, Path home) throws Exception {
    String code =
        api.post("/agents/registration-codes", Map.of("clientId", client, "name", name))
            .json()
            .get("code")
            .asText();
    return AgentProcess.start(
        h, home, "agent", "--register", code, "--server", h.base().replace("/api/v1", ""));
  }

  @Test
  void aRunOfAnAgentThatDiesWaitsSayingWhyAndCarriesOnWhenItIsBack() throws Exception {
    String client = api.client("Offline " + UUID.randomUUID());
    Path home = dir.resolve("agent-home");
    agent = register(client, "flaky-site", home);
    String id = AgentTlsTest.awaitOnline(h, client, agent, home);

    // 24 files of 256 KiB at 2 Mbps: about 25 s of copying
    Path src = dir.resolve("src");
    Files.createDirectories(src);
    byte[][] data = new byte[24][];
    for (int i = 0; i < data.length; i++) {
      data[i] = new byte[256 << 10];
      new java.util.Random(i).nextBytes(data[i]);
      Files.write(src.resolve("f" + i + ".bin"), data[i]);
    }
    Path dst = dir.resolve("dst");
    String job =
        api.job(
            api.project(client, "p"),
            api.localConnection(client, "src", src),
            api.localConnection(client, "dst", dst),
            Map.of("agentId", id, "options", Map.of("bwlimitMbps", 2, "concurrency", 1)));
    long run = api.run(job, "FULL");
    ApiHarness.await(Duration.ofSeconds(60), () -> AgentRegistrationTest.count(dst) >= 2);

    agent.destroyForcibly(); // SIGKILL: no last heartbeat, no clean shutdown
    agent.waitFor();
    long killed = System.nanoTime();
    ApiHarness.await(
        Duration.ofSeconds(60),
        () -> api.get("/agents/" + id).json().get("status").asText().equals("Offline"));
    assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofMinutes(1));

    // the run waits, and says why
    JsonNode view = api.get("/jobs/" + job + "/runs/" + run).json();
    assertThat(view.get("finishedAt").isNull()).as(view.toString()).isTrue();
    assertThat(view.get("state").asText()).isNotIn("FAILED", "CANCELLED", "COMPLETED");
    JsonNode waiting = view.get("waiting");
    assertThat(waiting).as(view.toString()).isNotNull();
    assertThat(waiting.get("agentId").asText()).isEqualTo(id);
    assertThat(waiting.get("agentStatus").asText()).isEqualTo("Offline");
    assertThat(waiting.get("message").asText())
        .contains("waiting for agent 'flaky-site'")
        .contains("offline since")
        .contains("nothing has failed");
    assertThat(
            api.get("/jobs/" + job).json().get("lastRun").get("waiting").get("agentName").asText())
        .isEqualTo("flaky-site");
    long before = AgentRegistrationTest.count(dst);
    assertThat(before).isLessThan(data.length);
    // still waiting a little later: nothing failed meanwhile (the attempt the agent held timed out
    // and waits on the queue again)
    Thread.sleep(8000);
    JsonNode later = api.get("/jobs/" + job + "/runs/" + run).json();
    assertThat(later.get("finishedAt").isNull()).as(later.toString()).isTrue();
    assertThat(later.get("files").get("failed").asLong()).isZero();

    // the agent is back: the same machine, the identity it kept
    agent = AgentProcess.start(h, home, "agent");
    JsonNode end = api.awaitEnd(job);
    assertThat(end.get("lastRun").get("state").asText())
        .as(end + AgentProcess.log(home))
        .isEqualTo("COMPLETED");
    assertThat(end.get("lastRun").has("waiting")).isFalse();
    for (int i = 0; i < data.length; i++) {
      assertThat(Files.readAllBytes(dst.resolve("f" + i + ".bin"))).isEqualTo(data[i]);
    }
    assertThat(end.get("lastRun").get("files").get("failed").asLong()).isZero();
    assertThat(api.get("/agents/" + id).json().get("status").asText()).isEqualTo("Online");
  }

  @Test
  void aRunWhoseAgentIsGoneIsCancelledAtOnceAndTheJobCanRunAgain() throws Exception {
    String client = api.client("Gone " + UUID.randomUUID());
    Path home = dir.resolve("gone-home");
    Process gone = register(client, "gone-site", home);
    try {
      String id = AgentTlsTest.awaitOnline(h, client, gone, home);
      Path src = dir.resolve("gone-src");
      Files.createDirectories(src);
      for (int i = 0; i < 24; i++) {
        byte[] b = new byte[256 << 10];
        new java.util.Random(i).nextBytes(b);
        Files.write(src.resolve("f" + i + ".bin"), b);
      }
      Path dst = dir.resolve("gone-dst");
      String job =
          api.job(
              api.project(client, "p"),
              api.localConnection(client, "src", src),
              api.localConnection(client, "dst", dst),
              Map.of("agentId", id, "options", Map.of("bwlimitMbps", 2, "concurrency", 1)));
      long run = api.run(job, "FULL");
      ApiHarness.await(Duration.ofSeconds(60), () -> AgentRegistrationTest.count(dst) >= 2);
      gone.destroyForcibly(); // the agent's machine is gone for good: the operator gives up on it
      gone.waitFor();

      long asked = System.nanoTime();
      assertThat(api.post("/jobs/" + job + "/cancel", null).status()).isEqualTo(202);
      JsonNode end = api.awaitEnd(job);
      Duration took = Duration.ofNanos(System.nanoTime() - asked);
      JsonNode last = end.get("lastRun");
      assertThat(last.get("id").asLong()).isEqualTo(run);
      assertThat(last.get("state").asText()).as(end.toString()).isEqualTo("CANCELLED");
      assertThat(took)
          .as("a cancel does not wait for the absent agent")
          .isLessThan(Duration.ofSeconds(45));
      // what was copied before stays; the job is idle again and can be given another run
      assertThat(AgentRegistrationTest.count(dst)).isGreaterThanOrEqualTo(2);
      assertThat(api.post("/jobs/" + job + "/runs", Map.of("mode", "INCREMENTAL")).status())
          .isEqualTo(201);
    } finally {
      gone.destroyForcibly();
      gone.waitFor();
    }
  }
}
