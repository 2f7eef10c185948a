package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.agent.AgentHttp;
import dev.ferry.api.agent.AgentIdentity;
import dev.ferry.api.agent.AgentWorker;
import dev.ferry.api.runtime.FerryHome;
import dev.ferry.api.runtime.Pem;
import dev.ferry.api.runtime.TestCa;
import dev.ferry.api.server.ApiHarness.Api;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry server} over HTTPS (FERRY_TLS_CERT / FERRY_TLS_KEY) with a certificate of a private
 * CA the test makes itself, and agents that verify it: trusted only with the CA file, refused for a
 * name the certificate does not hold, and a real {@code ferry agent} process that registers over
 * https with {@code --ca-file}, keeps the CA, and shows Online from heartbeats over TLS.
 */
class AgentTlsTest {
  static ApiHarness h;
  static FerryServer tls;
  static TestCa ca;
  static final List<Process> agents = new ArrayList<>();
  @TempDir static Path dir;

  @BeforeAll
  static void up() throws Exception {
    h = ApiHarness.get();
    ca = new TestCa(dir.resolve("ca"), "Ferry Test CA");
    TestCa.Issued cert = ca.issue("server", "dns:localhost");
    tls =
        FerryServer.start(
            secondServerEnv(cert),
            new FerryServer.Listen("127.0.0.1", 0),
            dev.ferry.activities.catalog.ConnectionKinds.defaults());
  }

  /** The harness's database and Temporal, a home of its own, HTTPS with {@code cert}. */
  static Map<String, String> secondServerEnv(TestCa.Issued cert) throws Exception {
    Map<String, String> env = new HashMap<>(h.env);
    env.put("FERRY_HOME", dir.resolve("tls-home-" + UUID.randomUUID()).toString());
    env.put("TEMPORAL_ADDRESS", h.server.temporal().address());
    env.put(
        "FERRY_MASTER_KEY",
        Files.readString(h.home.resolve("master.key"), StandardCharsets.US_ASCII).trim());
    env.put("FERRY_TLS_CERT", cert.cert().toString());
    env.put("FERRY_TLS_KEY", cert.key().toString());
    return env;
  }

  @AfterAll
  static void down() throws Exception {
    for (Process p : agents) {
      p.destroy();
      p.waitFor();
    }
    if (tls != null) {
      tls.close();
    }
  }

  static String base() {
    // the certificate names localhost (not 127.0.0.1)
    return "https://localhost:" + tls.port();
  }

  @Test
  void theApiIsServedOverHttpsAndTrustedOnlyThroughTheCaFile() throws Exception {
    assertThat(tls.apiUrl()).startsWith("https://");
    HttpClient trusting =
        HttpClient.newBuilder().sslContext(Pem.clientContext(ca.caCert(), "test CA")).build();
    Api api = new Api(trusting, () -> base() + "/api/v1", h.adminToken);
    assertThat(api.get("/clients").status()).isEqualTo(200);

    // the JDK's own CAs do not know the private CA
    HttpClient plain = HttpClient.newHttpClient();
    assertThatThrownBy(
            () ->
                plain.send(
                    HttpRequest.newBuilder(URI.create(base() + "/api/v1/clients")).build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    // plain http to the https port gets no API answer (Jetty answers TLS, then closes)
    assertThatThrownBy(
            () ->
                plain.send(
                    HttpRequest.newBuilder(
                            URI.create("http://localhost:" + tls.port() + "/api/v1/clients"))
                        .header("Authorization", "Bearer " + h.adminToken)
                        .build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(java.io.IOException.class);

    // the agent's client: with the CA file it trusts the server, for the certificate's name only
    Map<String, String> env = Map.of(AgentHttp.CA_FILE, ca.caCert().toString());
    HttpClient agent = AgentHttp.client(env, dir.resolve("no-home"));
    HttpResponse<String> ok =
        agent.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/v1/clients"))
                .header("Authorization", "Bearer " + h.adminToken)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThatThrownBy(
            () ->
                agent.send(
                    HttpRequest.newBuilder(
                            URI.create("https://127.0.0.1:" + tls.port() + "/api/v1/clients"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(javax.net.ssl.SSLHandshakeException.class)
        .hasMessageContaining("127.0.0.1");
  }

  @Test
  void registrationVerifiesTheServerAndRefusesPlainHttpToAnotherMachine() throws Exception {
    Api api = h.admin;
    String client = api.client("TLS " + UUID.randomUUID());
    String code =
        api.post("/agents/registration-codes", Map.of("clientId", client))
            .json()
            .get("code")
            .asText();
    FerryHome home = FerryHome.fromEnv(Map.of("FERRY_HOME", dir.resolve("reg-home").toString()));

    // no CA file: the private CA is not trusted, and the message says what to do
    assertThatThrownBy(() -> AgentWorker.register(base(), code, home, Map.of()))
        .isInstanceOf(AgentWorker.RegistrationFailed.class)
        .hasMessageContaining("not trusted")
        .hasMessageContaining("--ca-file");
    // plain http to another machine: refused before anything is sent
    assertThatThrownBy(() -> AgentWorker.register("http://10.255.255.1:8080", code, home, Map.of()))
        .isInstanceOf(AgentWorker.RegistrationFailed.class)
        .hasMessageContaining("refusing plain http to 10.255.255.1")
        .hasMessageContaining("FERRY_TLS_CERT");
    assertThat(
            AgentHttp.serverBase(
                "http://10.255.255.1:8080/api/v1", Map.of(AgentHttp.ALLOW_HTTP, "true")))
        .isEqualTo("http://10.255.255.1:8080");
    assertThat(AgentHttp.serverBase("http://localhost:8080/", Map.of()))
        .isEqualTo("http://localhost:8080");
    assertThat(AgentHttp.serverBase("http://[::1]:8080", Map.of())).isEqualTo("http://[::1]:8080");
    assertThatThrownBy(() -> AgentHttp.serverBase("http://ferry.example:8080", Map.of()))
        .hasMessageContaining("refusing plain http to ferry.example");
    assertThatThrownBy(() -> AgentHttp.serverBase("ftp://ferry.example", Map.of()))
        .hasMessageContaining("is not a server URL");

    // with the CA file: registered (the code was not spent by the refusals), CA kept in the home
    AgentIdentity id =
        AgentWorker.register(base(), code, home, Map.of(AgentHttp.CA_FILE, ca.caCert().toString()));
    assertThat(id.server()).isEqualTo(base());
    assertThat(Files.readString(home.dir().resolve(AgentHttp.PINNED_CA)))
        .isEqualTo(Files.readString(ca.caCert()));
    assertThat(AgentHttp.caFile(Map.of(), home.dir()))
        .isEqualTo(home.dir().resolve(AgentHttp.PINNED_CA));
  }

  @Test
  void anAgentProcessRegistersOverHttpsWithACaFileAndRunsAgainWithTheCaItKept() throws Exception {
    Api api = h.admin;
    String client = api.client("TLS agent " + UUID.randomUUID());
    String code =
        api.post("/agents/registration-codes", Map.of("clientId", client, "name", "tls-site"))
            .json()
            .get("code")
            .asText();
    Path home = dir.resolve("agent-home");

    // without --ca-file the process exits, saying why
    Process refused = agent(home, "agent", "--register", code, "--server", base());
    assertThat(refused.waitFor()).isEqualTo(3);
    assertThat(log(home)).contains("not trusted").contains("--ca-file");

    Process first =
        agent(
            home,
            "agent",
            "--register",
            code,
            "--server",
            base(),
            "--ca-file",
            ca.caCert().toString());
    String id = awaitOnline(client, first, home);
    first.destroy();
    first.waitFor();

    // later starts: no code, no --ca-file; the CA kept at registration is used
    Process again = agent(home, "agent");
    ApiHarness.await(
        Duration.ofSeconds(60),
        () -> {
          if (!again.isAlive()) {
            throw new AssertionError("the agent exited: " + log(home));
          }
          return log(home).contains("heartbeats to " + base());
        });
    Instant before = Instant.parse(api.get("/agents/" + id).json().get("lastSeenAt").asText());
    ApiHarness.await(
        Duration.ofSeconds(30),
        () ->
            Instant.parse(api.get("/agents/" + id).json().get("lastSeenAt").asText())
                .isAfter(before));
    assertThat(log(home)).doesNotContain("cannot reach the server");
  }

  static String awaitOnline(String client, Process p, Path home) {
    return awaitOnline(h, client, p, home);
  }

  static String awaitOnline(ApiHarness h, String client, Process p, Path home) {
    JsonNode[] a = new JsonNode[1];
    ApiHarness.await(
        Duration.ofSeconds(60),
        () -> {
          if (!p.isAlive()) {
            throw new AssertionError("the agent exited: " + log(home));
          }
          JsonNode list = h.admin.get("/agents?clientId=" + client).json().get("agents");
          a[0] = list.isEmpty() ? null : list.get(0);
          return a[0] != null && a[0].get("status").asText().equals("Online");
        });
    return a[0].get("id").asText();
  }

  static Process agent(Path home, String... args) throws Exception {
    Process p = AgentProcess.start(h, home, args);
    agents.add(p);
    return p;
  }

  static String log(Path home) {
    return ApiAgentTest.read(home.resolve("agent.log"));
  }
}
