package dev.ferry.api.server;

import static dev.ferry.api.server.ApiValidationTest.assertFields;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP contract around the JSON: one strict UTF-8 JSON object per body (nothing after it, no
 * key twice), JSON or nothing as the content type (415), 405 with {@code Allow} for a known path
 * asked with another method, HEAD answering like GET, and a query parameter given empty refused
 * rather than read as "no filter".
 */
class ApiContractTest {
  static ApiHarness h;
  static Api api;
  @TempDir static Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
  }

  /** Sends raw bytes with a content type (null: no Content-Type header). */
  static Res raw(String method, String path, byte[] body, String type) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(h.base() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + h.adminToken)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    if (type != null) {
      b.header("Content-Type", type);
    }
    try {
      HttpResponse<String> r = h.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Res(r.statusCode(), r.body(), r);
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * A PUT with two Content-Type headers, which java.net.http cannot send: a raw HTTP/1.1 request.
   */
  static Res twoContentTypes(String path, String body) {
    URI u = URI.create(h.base() + path);
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "PUT "
            + u.getRawPath()
            + " HTTP/1.1\r\nHost: "
            + u.getHost()
            + ":"
            + u.getPort()
            + "\r\nAuthorization: Bearer "
            + h.adminToken
            + "\r\nContent-Type: application/json\r\nContent-Type: text/csv\r\nContent-Length: "
            + b.length
            + "\r\nConnection: close\r\n\r\n";
    try (java.net.Socket s = new java.net.Socket(u.getHost(), u.getPort())) {
      s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().write(b);
      String resp = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(resp.substring(9, 12));
      String respBody = resp.substring(resp.indexOf("\r\n\r\n") + 4);
      return new Res(status, respBody, null);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static Res json(String method, String path, String body) {
    return raw(method, path, body.getBytes(StandardCharsets.UTF_8), "application/json");
  }

  boolean clientExists(String name) {
    for (var c : api.get("/clients").json().get("clients")) {
      if (c.get("name").asText().startsWith(name)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void dataAfterTheObjectDuplicateKeysAndInvalidUtf8AreRefusedAndNothingIsCreated() {
    String n = "strict-" + UUID.randomUUID();
    assertFields(
        json("POST", "/clients", "{\"name\":\"" + n + "\"} xyz"), Map.of("body", "malformed JSON"));
    assertFields(
        json("POST", "/clients", "{\"name\":\"" + n + "a\"}{\"name\":\"" + n + "b\"}"),
        Map.of("body", "data after the JSON object"));
    assertFields(
        json("POST", "/clients", "{\"name\":\"" + n + "c\",\"name\":\"" + n + "d\"}"),
        Map.of("body", "the key 'name' is given twice"));
    assertFields(
        json("POST", "/clients", "{\"name\":\"" + n + "\", \"status\":\"ACTIVE\" ]"),
        Map.of("body", "line 1, column"));
    byte[] latin1 = ("{\"name\":\"" + n + "-caf\u00e9\"}").getBytes(StandardCharsets.ISO_8859_1);
    Res bad = raw("POST", "/clients", latin1, "application/json");
    assertFields(
        bad, Map.of("body", "is not valid UTF-8 (bad byte at offset " + (latin1.length - 3)));
    assertThat(clientExists(n)).isFalse();

    // the same rules for every body: a PATCH, and an action whose body is optional
    String client = api.client("strict target " + UUID.randomUUID());
    assertFields(
        json("PATCH", "/clients/" + client, "{\"contactName\":\"a\",\"contactName\":\"b\"}"),
        Map.of("body", "given twice"));
    assertThat(api.get("/clients/" + client).json().get("contactName").isNull()).isTrue();
    assertFields(
        json("POST", "/agents/registration-codes", "{} []"),
        Map.of("body", "data after the JSON object"));

    // well-formed UTF-8, including characters outside the BMP, is kept as sent
    Res ok = json("POST", "/clients", "{\"name\":\"" + n + " caf\u00e9 \uD83D\uDE80\"}");
    assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
    assertThat(ok.json().get("name").asText()).isEqualTo(n + " caf\u00e9 \uD83D\uDE80");
  }

  @Test
  void aBodyThatIsNotJsonIs415AndWithoutAContentTypeItIsReadAsJson() {
    String n = "typed-" + UUID.randomUUID();
    byte[] body = ("{\"name\":\"" + n + "\"}").getBytes(StandardCharsets.UTF_8);
    Res plain = raw("POST", "/clients", body, "text/plain");
    assertThat(plain.status()).as(plain.toString()).isEqualTo(415);
    assertThat(plain.json().get("error").asText())
        .contains("application/json")
        .contains("text/plain");
    Res form = raw("POST", "/clients", body, "application/x-www-form-urlencoded");
    assertThat(form.status()).as(form.toString()).isEqualTo(415);
    assertThat(form.json().get("error").asText()).contains("-H 'Content-Type: application/json'");
    Res latin = raw("POST", "/clients", body, "application/json; charset=iso-8859-1");
    assertThat(latin.status()).as(latin.toString()).isEqualTo(415);
    assertThat(latin.json().get("error").asText()).contains("UTF-8");
    assertThat(clientExists(n)).isFalse();

    Res utf8 = raw("POST", "/clients", body, "application/json; charset=UTF-8");
    assertThat(utf8.status()).as(utf8.toString()).isEqualTo(201);
    Res none = raw("POST", "/clients", ("{\"name\":\"" + n + "-2\"}").getBytes(), null);
    assertThat(none.status()).as(none.toString()).isEqualTo(201);

    // owners take JSON or CSV; anything else names both
    String client = api.client("owners type " + UUID.randomUUID());
    String src = api.localConnection(client, "src", dir.resolve("src"));
    String dst = api.localConnection(client, "dst", dir.resolve("dst"));
    String job = api.job(api.project(client, "p"), src, dst, Map.of());
    Res owners =
        raw("PUT", "/jobs/" + job + "/owners", "source_path\nalice\n".getBytes(), "text/plain");
    assertThat(owners.status()).as(owners.toString()).isEqualTo(415);
    assertThat(owners.json().get("error").asText()).contains("application/json or text/csv");
    // as `curl -H 'Content-Type: application/json' -H 'Content-Type: text/csv'` sends it
    Res twice = twoContentTypes("/jobs/" + job + "/owners", "source_path\nalice\n");
    assertThat(twice.status()).as(twice.toString()).isEqualTo(415);
    assertThat(twice.json().get("error").asText())
        .contains("send one Content-Type header (got 2: application/json, text/csv)");
    byte[] csv = "source_path,name\nalice,Al\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
    assertFields(
        raw("PUT", "/jobs/" + job + "/owners", csv, "text/csv"), Map.of("body", "not valid UTF-8"));
    // a header row with an empty or a repeated column name (the fuzzer's '𭸺,' was a 500)
    assertFields(
        raw(
            "PUT",
            "/jobs/" + job + "/owners",
            "\uD877\uDE3A,\n".getBytes(StandardCharsets.UTF_8),
            "text/csv"),
        Map.of("body", "malformed CSV header row: A header name is missing"));
    assertFields(
        raw(
            "PUT",
            "/jobs/" + job + "/owners",
            "source_path,source_path\na,b\n".getBytes(),
            "text/csv"),
        Map.of("body", "malformed CSV header row"));
    Res good =
        raw(
            "PUT",
            "/jobs/" + job + "/owners",
            "source_path,name\nalice,Al\u00e9\n".getBytes(StandardCharsets.UTF_8),
            "text/csv; charset=utf-8");
    assertThat(good.status()).as(good.toString()).isEqualTo(200);
    assertThat(good.json().get("owners").get(0).get("name").asText()).isEqualTo("Al\u00e9");
  }

  @Test
  void aBodyOver16MiBIs413() {
    byte[] big = new byte[(16 << 20) + 1];
    java.util.Arrays.fill(big, (byte) ' ');
    big[0] = '{';
    big[big.length - 1] = '}';
    Res r = raw("POST", "/clients", big, "application/json");
    assertThat(r.status()).as(r.toString()).isEqualTo(413);
    assertThat(r.json().get("error").asText()).contains("16 MiB");
  }

  @Test
  void aKnownPathWithAnotherMethodIs405WithAllowAndAnUnknownPathIs404() {
    Res put = raw("PUT", "/clients", "{}".getBytes(), "application/json");
    assertThat(put.status()).as(put.toString()).isEqualTo(405);
    assertThat(put.raw().headers().firstValue("Allow")).hasValue("GET, HEAD, POST");
    assertThat(put.json().get("error").asText()).contains("PUT is not allowed on /api/v1/clients");

    String id = UUID.randomUUID().toString();
    Res post = raw("POST", "/tokens/" + id, null, null);
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.raw().headers().firstValue("Allow")).hasValue("DELETE");
    Res trace = raw("TRACE", "/jobs/" + id, null, null);
    assertThat(trace.status()).isEqualTo(405);
    assertThat(trace.raw().headers().firstValue("Allow")).hasValue("DELETE, GET, HEAD, PATCH");

    // a literal path wins over a parameter: /agents/register is not /agents/{agentId}
    Res register = raw("GET", "/agents/register", null, null);
    assertThat(register.status()).as(register.toString()).isEqualTo(405);
    assertThat(register.raw().headers().firstValue("Allow")).hasValue("POST");

    Res unknown = api.get("/nothing-here");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.raw().headers().firstValue("Allow")).isEmpty();
    // without a token, 401 comes first: the API tells nothing about its routes to strangers
    Res anonymous = h.api(null).send("PUT", "/clients", null, null);
    assertThat(anonymous.status()).isEqualTo(401);
  }

  @Test
  void headAnswersLikeGetWithoutABody() {
    String client = api.client("head " + UUID.randomUUID());
    Res get = api.get("/clients/" + client);
    Res head = raw("HEAD", "/clients/" + client, null, null);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.raw().headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    assertThat(head.raw().headers().firstValueAsLong("Content-Length"))
        .hasValue(get.body().getBytes(StandardCharsets.UTF_8).length);
    assertThat(raw("HEAD", "/clients/" + UUID.randomUUID(), null, null).status()).isEqualTo(404);
    assertThat(raw("HEAD", "/clients/nope", null, null).status()).isEqualTo(400);
    Res postOnly = raw("HEAD", "/jobs/" + UUID.randomUUID() + "/pause", null, null);
    assertThat(postOnly.status()).isEqualTo(405);
    assertThat(postOnly.raw().headers().firstValue("Allow")).hasValue("POST");
  }

  @Test
  void anEmptyQueryParameterIsRefusedRatherThanReadAsNoFilter() {
    assertFields(api.get("/jobs?clientId="), Map.of("clientId", "leave the parameter out"));
    assertFields(api.get("/jobs?projectId="), Map.of("projectId", "must be an id (UUID)"));
    assertFields(api.get("/agents?clientId="), Map.of("clientId", "must be an id (UUID)"));
    assertFields(api.get("/tokens?clientId="), Map.of("clientId", "must be an id (UUID)"));
    assertFields(api.get("/jobs?limit="), Map.of("limit", "between 1 and 500"));
    assertFields(api.get("/jobs?offset=2147483648"), Map.of("offset", "between 0 and 2147483647"));
    assertFields(api.get("/jobs?state="), Map.of("state", "must be one of"));
    assertThat(api.get("/jobs?offset=2147483647").status()).isEqualTo(200);
  }

  @Test
  void anIdGivenAsAnEmptyStringIsRefusedNotReadAsNone() {
    int before = api.get("/tokens").json().get("tokens").size();
    // once minted an operator token, as if no client had been named
    assertFields(
        api.post("/tokens", Map.of("name", "scoped?", "clientId", "")),
        Map.of("clientId", "must be an id (UUID) (got ''); send null or leave it out"));
    assertThat(api.get("/tokens").json().get("tokens").size()).isEqualTo(before);
    assertFields(
        api.post("/agents/registration-codes", Map.of("clientId", " ")),
        Map.of("clientId", "must be an id (UUID)"));
  }

  @Test
  void namesCountCharactersAndRefuseControlCharacters() {
    String rocket = "\uD83D\uDE80";
    String name = "n" + UUID.randomUUID().toString().substring(0, 8) + rocket.repeat(191);
    Res ok = api.post("/clients", Map.of("name", name));
    assertThat(ok.status()).as("200 characters, 391 UTF-16 units: " + ok).isEqualTo(201);
    assertFields(
        api.post("/clients", Map.of("name", name + "x")),
        Map.of("name", "must be at most 200 characters (got 201)"));
    assertFields(
        api.post("/clients", Map.of("name", "tab\there")),
        Map.of("name", "must not contain control characters"));
    assertFields(api.post("/clients", Map.of("name", "   ")), Map.of("name", "must not be empty"));
    Res trimmed = api.post("/clients", Map.of("name", "  spaced " + UUID.randomUUID() + "  "));
    assertThat(trimmed.json().get("name").asText()).startsWith("spaced ").doesNotEndWith(" ");
  }

  /** The fuzzer found it: a PATCH that read its job back after a DELETE removed it was a 500. */
  @Test
  void aPatchRacingADeleteIsA404NeverA500() throws Exception {
    String client = api.client("race " + UUID.randomUUID());
    String src = api.localConnection(client, "src", dir.resolve("rsrc"));
    String dst = api.localConnection(client, "dst", dir.resolve("rdst"));
    String project = api.project(client, "p");
    java.util.Set<Integer> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 20; i++) {
        String job = api.job(project, src, dst, Map.of());
        String conn = api.localConnection(client, "c" + i, dir.resolve("rc" + i));
        var patches =
            java.util.stream.IntStream.range(0, 4)
                .mapToObj(
                    k ->
                        pool.submit(
                            () -> {
                              seen.add(api.patch("/jobs/" + job, Map.of("name", "n" + k)).status());
                              seen.add(
                                  api.patch("/connections/" + conn, Map.of("name", "m" + k))
                                      .status());
                            }))
                .toList();
        seen.add(api.delete("/jobs/" + job).status());
        seen.add(api.delete("/connections/" + conn).status());
        for (var f : patches) {
          f.get();
        }
      }
    }
    assertThat(seen).isSubsetOf(200, 204, 404, 409).contains(204);
  }

  @Test
  void aSourcePathThatEscapesItsRootNamesTheSource() {
    String client = api.client("escape " + UUID.randomUUID());
    String src = api.localConnection(client, "src", dir.resolve("esrc"));
    String dst = api.localConnection(client, "dst", dir.resolve("edst"));
    String project = api.project(client, "p");
    Res r =
        api.post(
            "/projects/" + project + "/jobs",
            Map.of(
                "name", "x",
                "source", Map.of("connectionId", src, "path", "a/../../etc"),
                "destination", Map.of("connectionId", dst, "path", "b/../..")));
    assertFields(
        r,
        Map.of(
            "source.path", "would escape the source root",
            "destination.path", "would escape the destination root"));
    assertThat(r.field("source.path")).doesNotContain("destination");
    String job = api.job(project, src, dst, Map.of());
    Res owners =
        api.put(
            "/jobs/" + job + "/owners",
            Map.of("owners", java.util.List.of(Map.of("sourcePath", "../alice"))));
    assertFields(owners, Map.of("owners[0].sourcePath", "would escape the source root"));
  }
}
