package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.server.ApiHarness.Api;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's sign-in over real HTTP: a token becomes a sealed HttpOnly, SameSite=Strict
 * cookie; the API accepts the cookie through the same principal (a client's cookie sees its client
 * only), refuses a change without the session's CSRF token, refuses an altered cookie and a revoked
 * token, and keeps taking bearer tokens exactly as before. The pages are served at / with a
 * Content-Security-Policy.
 */
class DashboardSessionTest {
  static ApiHarness h;
  static Api admin;
  static String clientA;
  static String jobA;
  static String jobB;
  @TempDir static Path dir;

  @BeforeAll
  static void world() throws IOException {
    h = ApiHarness.get();
    admin = h.admin;
    clientA = admin.client("Dash A " + UUID.randomUUID());
    String clientB = admin.client("Dash B " + UUID.randomUUID());
    Files.createDirectories(dir.resolve("a"));
    Files.createDirectories(dir.resolve("b"));
    jobA =
        admin.job(
            admin.project(clientA, "pa"),
            admin.localConnection(clientA, "a-src", dir.resolve("a")),
            admin.localConnection(clientA, "a-dst", dir.resolve("a-out")),
            Map.of());
    jobB =
        admin.job(
            admin.project(clientB, "pb"),
            admin.localConnection(clientB, "b-src", dir.resolve("b")),
            admin.localConnection(clientB, "b-dst", dir.resolve("b-out")),
            Map.of());
  }

  /** A browser of its own: the cookie it was given and the CSRF token of its session. */
  static final class Browser {
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String cookie;
    String csrf;

    HttpResponse<String> send(String method, String path, String body, Map<String, String> headers)
        throws Exception {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(root() + path))
              .timeout(Duration.ofSeconds(30))
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body));
      if (body != null) {
        b.header("Content-Type", "application/json");
      }
      if (cookie != null) {
        b.header("Cookie", cookie);
      }
      headers.forEach(b::header);
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> login(String token) throws Exception {
      HttpResponse<String> r =
          send(
              "POST",
              "/ui/login",
              ApiHarness.JSON.writeValueAsString(Map.of("token", token)),
              Map.of());
      if (r.statusCode() == 200) {
        cookie = r.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        csrf = ApiHarness.JSON.readTree(r.body()).get("csrfToken").asText();
      }
      return r;
    }
  }

  static String root() {
    return h.base().replace("/api/v1", "");
  }

  static JsonNode json(HttpResponse<String> r) throws IOException {
    return ApiHarness.JSON.readTree(r.body());
  }

  @Test
  void signingInSetsASealedHttpOnlyStrictCookieAndNeverHandsOutTheToken() throws Exception {
    Browser b = new Browser();
    HttpResponse<String> r = b.login(h.adminToken);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie)
        .startsWith("ferry_session=")
        .contains("; HttpOnly", "; SameSite=Strict", "; Path=/", "; Max-Age=43200");
    assertThat(setCookie).doesNotContain(h.adminToken);
    assertThat(r.body()).doesNotContain(h.adminToken);
    JsonNode s = json(r);
    assertThat(s.get("kind").asText()).isEqualTo("operator");
    assertThat(s.get("csrfToken").asText()).hasSizeGreaterThan(30);
    assertThat(s.at("/temporal/uiUrl").asText()).startsWith("http://127.0.0.1:");

    HttpResponse<String> session = b.send("GET", "/ui/session", null, Map.of());
    assertThat(session.statusCode()).isEqualTo(200);
    assertThat(json(session).get("csrfToken").asText()).isEqualTo(b.csrf);
    HttpResponse<String> jobs = b.send("GET", "/api/v1/jobs", null, Map.of());
    assertThat(jobs.statusCode()).as(jobs.body()).isEqualTo(200);
    assertThat(jobs.body()).contains(jobA, jobB);
  }

  @Test
  void aWrongTokenIsRefusedAndNoCookieSet() throws Exception {
    Browser b = new Browser();
    HttpResponse<String> r = b.login("fy_not-a-token");
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(json(r).get("error").asText()).contains("not valid");
    assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(b.send("GET", "/ui/session", null, Map.of()).statusCode()).isEqualTo(401);
    assertThat(b.send("GET", "/api/v1/jobs", null, Map.of()).statusCode()).isEqualTo(401);
  }

  @Test
  void aSignInFromAnotherSitesPageIsRefused() throws Exception {
    String body = ApiHarness.JSON.writeValueAsString(Map.of("token", h.adminToken));
    for (Map<String, String> headers :
        java.util.List.of(
            Map.of("Origin", "https://evil.example"),
            Map.of("Origin", "null"),
            Map.of("Sec-Fetch-Site", "cross-site"))) {
      HttpResponse<String> r = new Browser().send("POST", "/ui/login", body, headers);
      assertThat(r.statusCode()).as(headers + ": " + r.body()).isEqualTo(403);
      assertThat(r.headers().firstValue("Set-Cookie")).as(headers.toString()).isEmpty();
    }
    String self = root().replaceFirst("/$", "");
    HttpResponse<String> own =
        new Browser()
            .send(
                "POST", "/ui/login", body, Map.of("Origin", self, "Sec-Fetch-Site", "same-origin"));
    assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
  }

  @Test
  void onlyAnHttpAddressIsATemporalUiLink() {
    assertThat(Dashboard.webAddress("https://temporal.example.com/"))
        .isEqualTo("https://temporal.example.com");
    assertThat(Dashboard.webAddress("javascript:alert(1)")).isNull();
    assertThat(Dashboard.webAddress(" ")).isNull();
  }

  @Test
  void aChangeWithTheCookieNeedsTheCsrfToken() throws Exception {
    Browser b = new Browser();
    b.login(h.adminToken);
    String body = "{\"name\": \"csrf " + UUID.randomUUID() + "\"}";
    int before = admin.get("/clients").json().get("clients").size();
    HttpResponse<String> none = b.send("POST", "/api/v1/clients", body, Map.of());
    assertThat(none.statusCode()).as(none.body()).isEqualTo(403);
    assertThat(json(none).get("error").asText()).contains("CSRF", Sessions.CSRF_HEADER);
    HttpResponse<String> forged =
        b.send("POST", "/api/v1/clients", body, Map.of(Sessions.CSRF_HEADER, "forged"));
    assertThat(forged.statusCode()).isEqualTo(403);
    // another session's token is not this one's
    Browser other = new Browser();
    other.login(h.adminToken);
    assertThat(
            b.send("POST", "/api/v1/clients", body, Map.of(Sessions.CSRF_HEADER, other.csrf))
                .statusCode())
        .isEqualTo(403);
    assertThat(admin.get("/clients").json().get("clients").size()).isEqualTo(before);

    HttpResponse<String> ok =
        b.send("POST", "/api/v1/clients", body, Map.of(Sessions.CSRF_HEADER, b.csrf));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
    // logging out is a change too
    assertThat(b.send("POST", "/ui/logout", null, Map.of()).statusCode()).isEqualTo(403);
  }

  @Test
  void bearerTokensWorkAsBeforeWithoutCsrf() throws Exception {
    Browser b = new Browser();
    b.login(h.adminToken);
    // a bearer request never looks at a cookie, and needs no CSRF token
    HttpResponse<String> r =
        b.send(
            "POST",
            "/api/v1/clients",
            "{\"name\": \"bearer " + UUID.randomUUID() + "\"}",
            Map.of("Authorization", "Bearer " + h.adminToken));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    HttpResponse<String> wrong =
        b.send("GET", "/api/v1/jobs", null, Map.of("Authorization", "Bearer fy_wrong"));
    assertThat(wrong.statusCode()).as("a wrong bearer is not rescued by the cookie").isEqualTo(401);
  }

  @Test
  void aClientsCookieSeesItsClientOnly() throws Exception {
    String token =
        admin
            .post("/tokens", Map.of("name", "dash a", "clientId", clientA))
            .json()
            .get("token")
            .asText();
    Browser b = new Browser();
    HttpResponse<String> r = b.login(token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).get("kind").asText()).isEqualTo("client");
    assertThat(json(r).get("clientId").asText()).isEqualTo(clientA);
    HttpResponse<String> jobs = b.send("GET", "/api/v1/jobs", null, Map.of());
    assertThat(jobs.body()).contains(jobA).doesNotContain(jobB);
    assertThat(b.send("GET", "/api/v1/jobs/" + jobB, null, Map.of()).statusCode()).isEqualTo(404);
    HttpResponse<String> run =
        b.send(
            "POST",
            "/api/v1/jobs/" + jobB + "/runs",
            "{\"mode\": \"DRY_RUN\"}",
            Map.of(Sessions.CSRF_HEADER, b.csrf));
    assertThat(run.statusCode()).isEqualTo(404);
    assertThat(
            b.send(
                    "POST",
                    "/api/v1/clients",
                    "{\"name\": \"x\"}",
                    Map.of(Sessions.CSRF_HEADER, b.csrf))
                .statusCode())
        .isEqualTo(403);
  }

  @Test
  void anAlteredCookieARevokedTokenAndSigningOutEndTheSession() throws Exception {
    JsonNode minted = admin.post("/tokens", Map.of("name", "dash revoke")).json();
    Browser b = new Browser();
    b.login(minted.get("token").asText());
    assertThat(b.send("GET", "/api/v1/jobs", null, Map.of()).statusCode()).isEqualTo(200);

    Browser altered = new Browser();
    String value = b.cookie.substring(b.cookie.indexOf('=') + 1);
    char last = value.charAt(value.length() - 5);
    altered.cookie =
        "ferry_session="
            + value.substring(0, value.length() - 5)
            + (last == 'A' ? 'B' : 'A')
            + value.substring(value.length() - 4);
    HttpResponse<String> bad = altered.send("GET", "/api/v1/jobs", null, Map.of());
    assertThat(bad.statusCode()).isEqualTo(401);
    assertThat(json(bad).get("error").asText()).contains("sign in again");

    assertThat(admin.delete("/tokens/" + minted.at("/tokenInfo/id").asText()).status())
        .isBetween(200, 204);
    assertThat(b.send("GET", "/api/v1/jobs", null, Map.of()).statusCode())
        .as("a revoked token's session ends at once")
        .isEqualTo(401);
    HttpResponse<String> gone = b.send("GET", "/ui/session", null, Map.of());
    assertThat(gone.statusCode()).isEqualTo(401);
    assertThat(gone.body()).contains("revoked");

    Browser c = new Browser();
    c.login(h.adminToken);
    HttpResponse<String> out =
        c.send("POST", "/ui/logout", null, Map.of(Sessions.CSRF_HEADER, c.csrf));
    assertThat(out.statusCode()).isEqualTo(204);
    assertThat(out.headers().firstValue("Set-Cookie").orElseThrow())
        .startsWith("ferry_session=;")
        .contains("Max-Age=0");
  }

  @Test
  void thePagesAreServedAtTheRootKeptToThisOrigin() throws Exception {
    Browser b = new Browser();
    HttpResponse<String> index = b.send("GET", "/", null, Map.of());
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(index.body()).contains("<script type=\"module\" src=\"app.js\">");
    assertThat(index.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'");
    assertThat(index.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    HttpResponse<String> js = b.send("GET", "/app.js", null, Map.of());
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("Content-Type").orElse("")).contains("javascript");
    // the API's routes are still the API's: no page answers under /api/v1
    assertThat(b.send("GET", "/api/v1/nothing-here", null, Map.of()).statusCode()).isEqualTo(401);
  }
}
