package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.activities.catalog.Hashing;
import dev.ferry.activities.catalog.SecretBox;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registration hardened: a code's stored hash is keyed with a secret derived from the master key
 * (HMAC), a burst of wrong codes from one address gets 429s (right codes included) while other
 * addresses register, a code is single use; and revoking a running agent process stops it within
 * seconds.
 */
class AgentRegistrationTest {
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

  String code(String client) {
    return api.post("/agents/registration-codes", Map.of("clientId", client))
        .json()
        .get("code")
        .asText();
  }

  @Test
  void theStoredHashOfACodeIsKeyedWithTheServersSecret() throws Exception {
    String client = api.client("HMAC " + UUID.randomUUID());
    String code = code(client);
    byte[] master =
        java.util.Base64.getDecoder()
            .decode(
                Files.readString(h.home.resolve("master.key"), StandardCharsets.US_ASCII).trim());
    String hmac =
        Hashing.hmacSha256(SecretBox.ofKey(master).derive("agent registration codes"), code);
    var jdbi = h.server.api().services().jdbi;
    int plain =
        jdbi.withHandle(
            x ->
                x.createQuery("select count(*) from agent_registration_codes where code_hash = ?")
                    .bind(0, Hashing.sha256(code))
                    .mapTo(Integer.class)
                    .one());
    UUID keyed =
        jdbi.withHandle(
            x ->
                x.createQuery("select client_id from agent_registration_codes where code_hash = ?")
                    .bind(0, hmac)
                    .mapTo(UUID.class)
                    .one());
    assertThat(plain).as("a plain SHA-256 of the code is not what is stored").isZero();
    assertThat(keyed).isEqualTo(UUID.fromString(client));
    // and it redeems, once
    assertThat(h.api(code).post("/agents/register", Map.of()).status()).isEqualTo(201);
    Res again = h.api(code).post("/agents/register", Map.of());
    assertThat(again.status()).isEqualTo(401);
    assertThat(again.json().get("error").asText()).contains("already used");
  }

  @Test
  void aBurstOfWrongCodesFromOneAddressGets429sAndOtherAddressesStillRegister() throws Exception {
    // a server of its own (same database and Temporal): its lock-outs are its own
    Map<String, String> env = new HashMap<>(h.env);
    env.put("FERRY_HOME", dir.resolve("guard-home").toString());
    env.put("TEMPORAL_ADDRESS", h.server.temporal().address());
    env.put(
        "FERRY_MASTER_KEY",
        Files.readString(h.home.resolve("master.key"), StandardCharsets.US_ASCII).trim());
    try (FerryServer server =
        FerryServer.start(
            env,
            new FerryServer.Listen("127.0.0.1", 0),
            dev.ferry.activities.catalog.ConnectionKinds.defaults())) {
      String client = api.client("Burst " + UUID.randomUUID());
      String good = code(client);
      // the burst comes from 127.0.0.2 (the loopback network is all of 127/8)
      HttpClient from2 =
          HttpClient.newBuilder().localAddress(InetAddress.getByName("127.0.0.2")).build();
      java.util.function.Function<String, Api> attacker = c -> new Api(from2, server::apiUrl, c);
      int unauthorized = 0;
      int tooMany = 0;
      Res last = null;
      for (int i = 0; i < 12; i++) {
        last = attacker.apply(wrongCode(i)).post("/agents/register", Map.of());
        if (last.status() == 401) {
          unauthorized++;
        } else if (last.status() == 429) {
          tooMany++;
        }
      }
      assertThat(unauthorized).isEqualTo(5);
      assertThat(tooMany).as(last.toString()).isEqualTo(7);
      assertThat(last.json().get("error").asText()).contains("too many wrong registration codes");
      long retry = Long.parseLong(last.raw().headers().firstValue("Retry-After").orElseThrow());
      assertThat(retry).isBetween(60L, 15 * 60L);
      // while locked out, even a right code from that address is refused (a guess learns nothing)
      assertThat(attacker.apply(good).post("/agents/register", Map.of()).status()).isEqualTo(429);
      // ... and the code is not spent: from another address it registers
      Res ok = ApiHarness.at(server.apiUrl(), good).post("/agents/register", Map.of());
      assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
      // a bearer that is no code at all is refused without counting (or a look-up)
      assertThat(
              ApiHarness.at(server.apiUrl(), "not-a-code").post("/agents/register", null).status())
          .isEqualTo(401);
    }
  }

  /** A code of the right shape that no one issued. */
  static String wrongCode(int i) {
    String a = dev.ferry.activities.catalog.Agents.ALPHABET;
    StringBuilder sb = new StringBuilder("ZZ");
    for (int k = 0; k < 6; k++) {
      sb.append(a.charAt((i * 7 + k * 3) % a.length()));
    }
    return sb.toString();
  }

  @Test
  void revokingARunningAgentStopsItsWorkWithinSeconds() throws Exception {
    String client = api.client("Revoke " + UUID.randomUUID());
    Res c = api.post("/agents/registration-codes", Map.of("clientId", client, "name", "doomed"));
    Path home = dir.resolve("agent-home");
    agent =
        AgentProcess.start(
            h,
            home,
            "agent",
            "--register",
            c.json().get("code").asText(),
            "--server",
            h.base().replace("/api/v1", ""));
    String id = AgentTlsTest.awaitOnline(h, client, agent, home);
    String token = dev.ferry.api.agent.AgentIdentity.load(home).token();

    // a job of the agent that takes a while (40 files of 256 KiB at 2 Mbps: about 40 s)
    Path src = dir.resolve("slow-src");
    Files.createDirectories(src);
    for (int i = 0; i < 40; i++) {
      Files.write(src.resolve("f" + i + ".bin"), new byte[256 << 10]);
    }
    Path dst = dir.resolve("slow-dst");
    String job =
        api.job(
            api.project(client, "p"),
            api.localConnection(client, "src", src),
            api.localConnection(client, "dst", dst),
            Map.of("agentId", id, "options", Map.of("bwlimitMbps", 2, "concurrency", 1)));
    api.run(job, "FULL");
    ApiHarness.await(Duration.ofSeconds(60), () -> Files.exists(dst) && count(dst) >= 1);

    long t0 = System.nanoTime();
    Res revoked = api.post("/agents/" + id + "/revoke", null);
    assertThat(revoked.status()).as(revoked.toString()).isEqualTo(200);
    assertThat(revoked.json().get("status").asText()).isEqualTo("Revoked");
    assertThat(revoked.json().get("revokedAt").isNull()).isFalse();
    // its token is refused at once
    assertThat(h.api(token).post("/agents/" + id + "/heartbeat", Map.of()).status()).isEqualTo(401);
    // the process stops within seconds (its next heartbeat, every 5 s), saying why
    assertThat(agent.waitFor(20, TimeUnit.SECONDS)).as(AgentProcess.log(home)).isTrue();
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertThat(seconds).isLessThan(20);
    assertThat(agent.exitValue()).isEqualTo(3);
    assertThat(AgentProcess.log(home)).contains("revoked");
    // nothing more is copied, and the run has not completed
    long copied = count(dst);
    Thread.sleep(3000);
    assertThat(count(dst)).isEqualTo(copied).isLessThan(40);
    JsonNode j = api.get("/jobs/" + job).json();
    assertThat(j.get("lastRun").get("state").asText()).isNotEqualTo("COMPLETED");
    assertThat(api.get("/agents/" + id).json().get("status").asText()).isEqualTo("Revoked");
    // the secrets sealed for it are withdrawn; revoking again changes nothing
    var jdbi = h.server.api().services().jdbi;
    int sealed =
        jdbi.withHandle(
            x ->
                x.createQuery("select count(*) from agent_connection_secrets where agent_id = ?")
                    .bind(0, UUID.fromString(id))
                    .mapTo(Integer.class)
                    .one());
    assertThat(sealed).isZero();
    assertThat(api.post("/agents/" + id + "/revoke", null).status()).isEqualTo(200);
    // another client's token cannot revoke (or see) it
    String other = api.client("Other " + UUID.randomUUID());
    Api otherToken =
        h.api(
            api.post("/tokens", Map.of("name", "o", "clientId", other))
                .json()
                .get("token")
                .asText());
    assertThat(otherToken.post("/agents/" + id + "/revoke", null).status()).isEqualTo(404);
    api.post("/jobs/" + job + "/cancel", null);
  }

  static long count(Path dir) {
    try (var s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".bin")).count();
    } catch (java.io.IOException e) {
      return 0;
    }
  }
}
