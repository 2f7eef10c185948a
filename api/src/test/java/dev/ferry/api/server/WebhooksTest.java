package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.api.server.ApiHarness.Api;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks end to end on the real server, Temporal and PostgreSQL: a real run's end reaches a test
 * HTTP server with a valid signature, again after it answered 500 the first time, and the delivery
 * is recorded with both attempts; a receiver that answers 410 is not asked again; bad webhooks are
 * refused by field; another client's token does not see them.
 */
class WebhooksTest {
  static ApiHarness h;
  static Api api;
  static String client;
  static String project;
  static HttpServer receiver;
  static final List<Received> received = new CopyOnWriteArrayList<>();
  static final AtomicInteger okAfter = new AtomicInteger();
  @TempDir Path dir;

  record Received(String path, String event, String delivery, String signature, String body) {}

  @BeforeAll
  static void up() throws IOException {
    System.setProperty("ferry.webhookBackoffSeconds", "1");
    h = ApiHarness.get();
    api = h.admin;
    client = api.client("Webhooks " + UUID.randomUUID());
    project = api.project(client, "webhooks");
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          String path = ex.getRequestURI().getPath();
          received.add(
              new Received(
                  path,
                  ex.getRequestHeaders().getFirst("X-Ferry-Event"),
                  ex.getRequestHeaders().getFirst("X-Ferry-Delivery"),
                  ex.getRequestHeaders().getFirst("X-Ferry-Signature"),
                  body));
          int status;
          if (path.equals("/gone")) {
            status = 410;
          } else {
            long seen = received.stream().filter(r -> r.path().equals(path)).count();
            status = seen <= okAfter.get() ? 500 : 200;
          }
          ex.sendResponseHeaders(status, -1);
          ex.close();
        });
    receiver.start();
  }

  @AfterAll
  static void down() {
    System.clearProperty("ferry.webhookBackoffSeconds");
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  static String url(String path) {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
  }

  @Test
  void aRunsEndIsDeliveredSignedAndRedeliveredAfterA500() throws Exception {
    okAfter.set(1); // the first attempt gets a 500
    ApiHarness.Res made =
        api.post(
            "/clients/" + client + "/webhooks",
            Map.of("url", url("/hook"), "events", List.of("run.ended", "cutover.step")));
    assertThat(made.status()).as(made.body()).isEqualTo(201);
    String secret = made.json().get("secret").asText();
    String hook = made.json().at("/webhook/id").asText();
    assertThat(api.get("/webhooks/" + hook).json().toString()).doesNotContain(secret);
    ApiHarness.Res gone =
        api.post(
            "/clients/" + client + "/webhooks",
            Map.of("url", url("/gone"), "events", List.of("run.ended"), "projectId", project));
    assertThat(gone.status()).as(gone.body()).isEqualTo(201);
    String goneHook = gone.json().at("/webhook/id").asText();

    Path src = dir.resolve("src");
    ApiRunTest.write(src.resolve("a.bin"), 3000, 1);
    ApiRunTest.write(src.resolve("d/b.bin"), 4000, 2);
    String s = api.localConnection(client, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(client, "dst " + UUID.randomUUID(), dir.resolve("dst"));
    String job = api.job(project, s, d, Map.of());
    long run = api.run(job, "FULL");
    assertThat(api.awaitEnd(job).get("state").asText()).isEqualTo("COMPLETED");

    ApiHarness.await(
        Duration.ofSeconds(60),
        () -> received.stream().filter(r -> r.path().equals("/hook")).count() >= 2);
    List<Received> hooked = received.stream().filter(r -> r.path().equals("/hook")).toList();
    Received first = hooked.get(0);
    Received again = hooked.get(1);
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(again.delivery()).isEqualTo(first.delivery());
    assertThat(again.event()).isEqualTo("run.ended");
    // the signature: t=<seconds>,v1=<hex HMAC-SHA256 of "t.body" under the secret>
    String t = again.signature().replaceAll("^t=(\\d+),v1=.*$", "$1");
    String v1 = again.signature().replaceAll("^t=\\d+,v1=", "");
    assertThat(v1)
        .isEqualTo(
            Notifier.sign(
                secret.getBytes(StandardCharsets.UTF_8), Long.parseLong(t), again.body()));
    JsonNode body = ApiHarness.JSON.readTree(again.body());
    assertThat(body.get("event").asText()).isEqualTo("run.ended");
    assertThat(body.get("jobId").asText()).isEqualTo(job);
    assertThat(body.get("clientId").asText()).isEqualTo(client);
    assertThat(body.get("runId").asLong()).isEqualTo(run);
    assertThat(body.get("state").asText()).isEqualTo("completed");
    assertThat(body.at("/files/done").asLong()).isEqualTo(2);
    assertThat(body.at("/bytes/done").asLong()).isEqualTo(7000);

    JsonNode[] deliveries = new JsonNode[1];
    ApiHarness.await(
        Duration.ofSeconds(30),
        () -> {
          deliveries[0] = api.get("/webhooks/" + hook + "/deliveries").json().at("/deliveries/0");
          return deliveries[0].path("state").asText().equals("delivered");
        });
    assertThat(deliveries[0].get("attempts").asInt()).isEqualTo(2);
    assertThat(deliveries[0].get("lastStatus").asInt()).isEqualTo(200);
    assertThat(deliveries[0].get("event").asText()).isEqualTo("run.ended");

    // a receiver that answers 410 is asked once and the delivery fails
    ApiHarness.await(
        Duration.ofSeconds(30),
        () ->
            api.get("/webhooks/" + goneHook + "/deliveries")
                .json()
                .at("/deliveries/0/state")
                .asText()
                .equals("failed"));
    JsonNode failed = api.get("/webhooks/" + goneHook + "/deliveries").json().at("/deliveries/0");
    assertThat(failed.get("attempts").asInt()).isEqualTo(1);
    assertThat(failed.get("lastError").asText()).isEqualTo("the receiver answered 410");
    assertThat(received.stream().filter(r -> r.path().equals("/gone")).count()).isEqualTo(1);
  }

  @Test
  void badWebhooksAreRefusedByFieldAndAnotherClientSeesNone() {
    ApiHarness.Res bad =
        api.post(
            "/clients/" + client + "/webhooks",
            Map.of("url", "ftp://example.com/x", "events", List.of("run.ended", "lunch")));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().at("/fields/url").asText())
        .isEqualTo("must be an http:// or https:// URL");
    assertThat(bad.json().at("/fields/events").asText()).startsWith("unknown event 'lunch'");
    ApiHarness.Res creds =
        api.post(
            "/clients/" + client + "/webhooks",
            Map.of("url", "https://u:p@example.com/x", "events", List.of("agent.offline")));
    assertThat(creds.json().at("/fields/url").asText()).startsWith("must not hold a user");

    String hook =
        api.post(
                "/clients/" + client + "/webhooks",
                Map.of("url", "https://example.com/x", "events", List.of("agent.offline")))
            .json()
            .at("/webhook/id")
            .asText();
    String other = api.client("Other " + UUID.randomUUID());
    Api otherToken =
        h.api(
            api.post("/tokens", Map.of("name", "other", "clientId", other))
                .json()
                .get("token")
                .asText());
    assertThat(otherToken.get("/webhooks/" + hook).status()).isEqualTo(404);
    assertThat(otherToken.get("/clients/" + client + "/webhooks").status()).isEqualTo(404);
    assertThat(otherToken.delete("/webhooks/" + hook).status()).isEqualTo(404);
    assertThat(api.delete("/webhooks/" + hook).status()).isEqualTo(204);
    assertThat(api.get("/webhooks/" + hook).status()).isEqualTo(404);
  }
}
