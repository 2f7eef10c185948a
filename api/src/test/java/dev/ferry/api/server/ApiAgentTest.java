package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.activities.testing.S3ProxyServer;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second process registers as an agent with a one-time code ({@code ferry agent --register CODE
 * --server URL}), shows Online from its heartbeats, and moves the data of the jobs assigned to it —
 * the run log names the agent's process — including a job whose destination needs a secret the
 * agent only gets sealed under its own key. The agent's process has no database settings at all: it
 * reaches the catalog only through the server's data-plane API.
 */
class ApiAgentTest {
  static ApiHarness h;
  static Api api;
  static Process agent;
  static Path agentLog;
  @TempDir static Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
  }

  @AfterAll
  static void down() throws Exception {
    if (agent != null) {
      agent.destroy();
      agent.waitFor();
    }
  }

  static Process startAgent(String code, Path home) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(
        List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    cmd.add("dev.ferry.api.cli.Ferry");
    cmd.addAll(List.of("agent", "--register", code, "--server", h.base().replace("/api/v1", "")));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    agentLog = home.resolve("agent.log");
    Files.createDirectories(home);
    pb.redirectOutput(agentLog.toFile());
    Map<String, String> env = pb.environment();
    env.put("FERRY_HOME", home.toString());
    // no database settings at all: the agent reaches the catalog only through the server
    env.keySet().removeIf(k -> k.startsWith("FERRY_DB_") || k.startsWith("PG"));
    env.remove("TEMPORAL_ADDRESS"); // from the registration
    return pb.start();
  }

  @Test
  void anAgentProcessRegistersShowsOnlineAndMovesItsJobsData() throws Exception {
    String client = api.client("Agent " + UUID.randomUUID());
    Res code = api.post("/agents/registration-codes", Map.of("clientId", client, "name", "site-1"));
    assertThat(code.status()).as(code.toString()).isEqualTo(201);
    String c = code.json().get("code").asText();
    assertThat(c).matches("[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}");
    assertThat(
            Duration.between(
                java.time.Instant.now(),
                java.time.Instant.parse(code.json().get("expiresAt").asText())))
        .isBetween(Duration.ofHours(23), Duration.ofHours(24));

    agent = startAgent(c, dir.resolve("agent-home"));
    JsonNode[] a = new JsonNode[1];
    ApiHarness.await(
        Duration.ofSeconds(60),
        () -> {
          if (!agent.isAlive()) {
            throw new AssertionError("the agent exited: " + read(agentLog));
          }
          JsonNode list = api.get("/agents?clientId=" + client).json().get("agents");
          a[0] = list.isEmpty() ? null : list.get(0);
          return a[0] != null && a[0].get("status").asText().equals("Online");
        });
    String agentId = a[0].get("id").asText();
    assertThat(a[0].get("name").asText()).isEqualTo("site-1");
    assertThat(a[0].get("taskQueue").asText()).isEqualTo("agent-" + agentId);
    Path identity = dir.resolve("agent-home/agent.json");
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(identity)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(identity)).doesNotContainIgnoringCase("database");

    // the code was single use
    Res again = h.api(c).post("/agents/register", Map.of("hostname", "elsewhere"));
    assertThat(again.status()).isEqualTo(401);
    assertThat(again.json().get("error").asText()).contains("already used");

    // a job assigned to the agent: its files are moved by the agent's process
    Path src = dir.resolve("site-data");
    for (int i = 0; i < 5; i++) {
      Files.createDirectories(src.resolve("d"));
      Files.writeString(src.resolve("d/f" + i + ".txt"), "data " + i);
    }
    String from = api.localConnection(client, "site disk", src);
    String to = api.localConnection(client, "site nas", dir.resolve("site-nas"));
    String project = api.project(client, "p");
    String job = api.job(project, from, to, Map.of("agentId", agentId));
    long run = api.run(job, "FULL");
    JsonNode end = api.awaitEnd(job);
    assertThat(end.get("state").asText()).as(read(agentLog)).isEqualTo("COMPLETED");
    assertThat(Files.readString(dir.resolve("site-nas/d/f3.txt"))).isEqualTo("data 3");
    JsonNode workers =
        api.get("/jobs/" + job + "/runs/" + run + "/log?outcome=worker").json().get("entries");
    assertThat(workers).isNotEmpty();
    long pid = agent.pid();
    assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());
    for (JsonNode w : workers) {
      assertThat(w.get("detail").asText()).contains(agentId).contains("pid " + pid);
    }
    assertThat(ApiHarness.each(workers, "detail"))
        .anySatisfy(d -> assertThat(d).startsWith("moved by agent 'site-1'").contains("5 files"))
        .anySatisfy(d -> assertThat(d).startsWith("scanned by agent 'site-1'"));

    // a destination whose keys the agent only has sealed under its own key
    S3ProxyServer s3 = S3ProxyServer.shared();
    String bucket = "a" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    s3.createBucket(bucket);
    Res bucketConn =
        api.post(
            "/clients/" + client + "/connections",
            Map.of(
                "name",
                "cloud",
                "kind",
                "s3",
                "settings",
                Map.of("bucket", bucket, "endpoint", s3.endpoint().toString()),
                "secret",
                Map.of("accessKeyId", s3.accessKey(), "secretAccessKey", s3.secretKey())));
    String s3job = api.job(project, from, bucketConn.id(), Map.of("agentId", agentId));
    long s3run = api.run(s3job, "FULL");
    JsonNode s3end = api.awaitEnd(s3job);
    assertThat(s3end.get("state").asText()).as(s3end + read(agentLog)).isEqualTo("COMPLETED");
    assertThat(s3.client().headObject(b -> b.bucket(bucket).key("d/f4.txt")).contentLength())
        .isEqualTo(6);
    assertThat(api.get("/jobs/" + s3job + "/runs/" + s3run + "/log?outcome=worker").body())
        .contains("pid " + pid);
    assertThat(read(agentLog)).doesNotContain(s3.secretKey());
  }

  @Test
  void anAgentThatNeverSentAHeartbeatIsOfflineAndCodesAreCheckedAndScoped() {
    String client = api.client("Agent2 " + UUID.randomUUID());
    String c =
        api.post("/agents/registration-codes", Map.of("clientId", client))
            .json()
            .get("code")
            .asText();
    Res reg = h.api(c.toLowerCase()).post("/agents/register", Map.of("hostname", "box-7"));
    assertThat(reg.status()).as(reg.toString()).isEqualTo(201); // case does not matter
    String id = reg.json().get("agentId").asText();
    assertThat(reg.json().get("name").asText()).isEqualTo("box-7");
    assertThat(reg.json().has("database")).as("no database login for an agent").isFalse();
    assertThat(api.get("/agents/" + id).json().get("status").asText()).isEqualTo("Offline");

    // its token can only send its own heartbeat
    Api agentToken = h.api(reg.json().get("token").asText());
    assertThat(agentToken.get("/clients").status()).isEqualTo(403);
    assertThat(agentToken.post("/agents/" + UUID.randomUUID() + "/heartbeat", null).status())
        .isEqualTo(403);
    assertThat(
            agentToken.post("/agents/" + id + "/heartbeat", Map.of("hostname", "box-7")).status())
        .isEqualTo(204);
    assertThat(api.get("/agents/" + id).json().get("status").asText()).isEqualTo("Online");

    assertThat(h.api("ABCDEFGH").post("/agents/register", null).status()).isEqualTo(401);
    assertThat(h.api("nope").post("/agents/register", null).status()).isEqualTo(401);

    // another client's token neither sees the agent nor can assign it
    String other = api.client("Agent3 " + UUID.randomUUID());
    Api otherToken =
        h.api(
            api.post("/tokens", Map.of("name", "o", "clientId", other))
                .json()
                .get("token")
                .asText());
    assertThat(otherToken.get("/agents/" + id).status()).isEqualTo(404);
    assertThat(otherToken.get("/agents").json().get("agents")).isEmpty();
    String s = api.localConnection(other, "s", dir.resolve("s"));
    String d = api.localConnection(other, "d", dir.resolve("d"));
    Res job =
        otherToken.post(
            "/projects/" + otherToken.project(other, "p") + "/jobs",
            Map.of(
                "name",
                "x",
                "source",
                Map.of("connectionId", s),
                "destination",
                Map.of("connectionId", d),
                "agentId",
                id));
    assertThat(job.status()).isEqualTo(400);
    assertThat(job.field("agentId")).contains("no agent with this id");
  }

  static String read(Path p) {
    try {
      return p == null || !Files.exists(p) ? "" : Files.readString(p);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
