package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transit cutover through the API on the real server, Temporal dev server and PostgreSQL, two
 * local file trees (the client server's and the transit's), three accounts with files: created,
 * refused steps (out of order: 409 with the reason; operator steps with a client's token: 403
 * naming the rule; another client: 404), requested (the precopy), each account moved by the
 * client's token with a file changed just before (its final copy brings it), one moved back and
 * again, the reinstall (the precopy back), move-back refused after it, the finalization by the user
 * with its deadline, every account home, both trees compared file by file, the hooks run in order
 * for each account.
 */
class TransitApiTest {
  static ApiHarness h;
  static Api admin;
  static Api clientApi;
  static Api otherApi;
  static String client;
  static String project;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    admin = h.admin;
    client = admin.client("Transit " + UUID.randomUUID());
    project = admin.project(client, "hosting");
    clientApi =
        h.api(
            admin
                .post("/tokens", Map.of("name", "customer", "clientId", client))
                .json()
                .get("token")
                .asText());
    String other = admin.client("Other " + UUID.randomUUID());
    otherApi =
        h.api(
            admin
                .post("/tokens", Map.of("name", "other", "clientId", other))
                .json()
                .get("token")
                .asText());
  }

  JsonNode transit(String id) {
    Res r = admin.get("/transits/" + id);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  JsonNode await(String id, Predicate<JsonNode> cond) {
    JsonNode[] last = new JsonNode[1];
    try {
      ApiHarness.await(
          Duration.ofSeconds(120),
          () -> {
            last[0] = transit(id);
            return cond.test(last[0]);
          });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the transit last read " + last[0], e);
    }
    return last[0];
  }

  static String location(JsonNode t, String account) {
    for (JsonNode a : t.get("accounts")) {
      if (a.get("name").asText().equals(account)) {
        return a.get("location").asText();
      }
    }
    throw new AssertionError("no account " + account + " in " + t);
  }

  static boolean idle(JsonNode t) {
    return t.get("moving") == null && t.get("queued").isEmpty();
  }

  Res step(Api api, String id, String step, Map<String, Object> body) {
    return api.post("/transits/" + id + "/" + step, body);
  }

  JsonNode move(Api api, String id, String step, String account, String expected) {
    Res r = step(api, id, step, Map.of("account", account));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return await(id, t -> idle(t) && location(t, account).equals(expected));
  }

  static Map<String, String> tree(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(
            root.relativize(p).toString(),
            java.util.HexFormat.of()
                .formatHex(
                    java.security.MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(p))));
      }
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  @Test
  void threeAccountsGoToTheTransitOneComesBackAndGoesAgainThenAllGoHomeIntact() throws Exception {
    Path server = dir.resolve("server");
    Path transitDir = dir.resolve("transit");
    Files.createDirectories(transitDir);
    for (String a : List.of("alpha", "beta", "gamma")) {
      for (int i = 0; i < 5; i++) {
        ApiRunTest.write(server.resolve(a + "/www/f" + i + ".html"), 3000 + i, a.hashCode() + i);
      }
    }
    Path hooks = dir.resolve("hooks.log");
    String serverConn = admin.localConnection(client, "server " + UUID.randomUUID(), server);
    String transitConn = admin.localConnection(client, "transit " + UUID.randomUUID(), transitDir);
    String hook = "echo \"$FERRY_HOOK $FERRY_ACCOUNT $FERRY_ROUTE_TO\" >> '" + hooks + "'";

    Res bad =
        admin.post(
            "/transits",
            Map.of(
                "projectId",
                project,
                "name",
                "srv1",
                "server",
                Map.of("files", Map.of("connectionId", serverConn)),
                "transit",
                Map.of("files", Map.of("connectionId", transitConn)),
                "accounts",
                List.of(
                    Map.of("name", "alpha", "databases", List.of("alpha_db")),
                    Map.of("name", "alpha"),
                    Map.of("name", "bad name"))));
    assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
    assertThat(bad.field("accounts[1].name")).isEqualTo("'alpha' is named twice");
    assertThat(bad.field("accounts[2].name")).startsWith("letters, digits");
    assertThat(bad.field("server.postgresql")).isEqualTo("is required: an account has databases");

    Map<String, Object> body =
        Map.of(
            "projectId",
            project,
            "name",
            "srv1 to new infrastructure",
            "server",
            Map.of("files", Map.of("connectionId", serverConn)),
            "transit",
            Map.of("files", Map.of("connectionId", transitConn)),
            "accounts",
            List.of(Map.of("name", "alpha"), Map.of("name", "beta"), Map.of("name", "gamma")),
            "hooks",
            Map.of(
                "freeze",
                Map.of("command", hook),
                "route",
                Map.of("command", hook),
                "unfreeze",
                Map.of("command", hook)),
            "monthlyPriceCents",
            3000);
    assertThat(clientApi.post("/transits", body).status())
        .as("a command hook runs on the server: operators only")
        .isEqualTo(403);
    Res created = admin.post("/transits", body);
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    String id = created.id();
    JsonNode t = created.json();
    assertThat(t.get("state").asText()).isEqualTo("created");
    assertThat(t.at("/windows/freeDays").asInt()).isEqualTo(14);
    assertThat(t.get("accounts")).hasSize(3);
    assertThat(location(t, "alpha")).isEqualTo("server");
    // the transit's jobs live as long as it does
    for (String which : List.of("toTransit", "back")) {
      Res del = admin.delete("/jobs/" + t.at("/jobs/" + which).asText());
      assertThat(del.status()).as(del.toString()).isEqualTo(409);
      assertThat(del.body())
          .contains("copies the files of transit 'srv1 to new infrastructure'")
          .contains("cannot be deleted while the transit exists");
    }

    // scoping and order
    assertThat(otherApi.get("/transits/" + id).status()).isEqualTo(404);
    assertThat(otherApi.get("/transits").json().get("transits")).isEmpty();
    assertThat(clientApi.get("/transits").json().get("transits"))
        .extracting(x -> x.get("id").asText())
        .containsExactly(id);
    Res forbidden = step(clientApi, id, "request", Map.of());
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(forbidden.body()).contains("request is an operator step");
    Res early = step(clientApi, id, "move-account", Map.of("account", "alpha"));
    assertThat(early.status()).isEqualTo(409);
    assertThat(early.body())
        .contains("cannot move alpha: the transit is created (request it first)");
    assertThat(step(admin, id, "jump", Map.of()).status()).isEqualTo(404);
    assertThat(step(admin, id, "move-account", Map.of()).field("account")).isEqualTo("is required");

    // the precopy
    assertThat(step(admin, id, "request", Map.of("reason", "ticket 42")).status()).isEqualTo(200);
    t = await(id, x -> x.get("state").asText().equals("ready"));
    assertThat(t.at("/precopy/filesCopied").asLong()).isEqualTo(15);
    assertThat(t.at("/windows/freeDaysLeft").asLong()).isEqualTo(14);
    assertThat(t.at("/windows/overageCents").asLong()).isZero();
    assertThat(tree(transitDir)).isEqualTo(tree(server));

    // each account moved by the client's token, a file changed just before
    for (String a : List.of("alpha", "beta", "gamma")) {
      ApiRunTest.write(server.resolve(a + "/www/f0.html"), 4000, 99);
      t = move(clientApi, id, "move-account", a, "transit");
    }
    assertThat(t.get("moves")).hasSize(3);
    assertThat(t.at("/moves/0/ok").asBoolean()).isTrue();
    assertThat(t.at("/moves/0/filesCopied").asLong()).isEqualTo(1);
    assertThat(t.at("/moves/0/by").asText()).isEqualTo("customer");
    assertThat(tree(transitDir)).isEqualTo(tree(server));

    // one moved back and again: before the reinstall it may
    ApiRunTest.write(transitDir.resolve("beta/www/new.html"), 100, 5);
    t = move(clientApi, id, "move-back", "beta", "server");
    assertThat(Files.exists(server.resolve("beta/www/new.html"))).isTrue();
    Res refused = step(admin, id, "reinstall", Map.of());
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.body()).contains("1 account(s) still on the client server (beta)");
    assertThat(step(clientApi, id, "reinstall", Map.of()).status()).isEqualTo(403);
    move(clientApi, id, "move-account", "beta", "transit");

    // reinstall: the precopy back, then no account may go back
    assertThat(step(admin, id, "reinstall", Map.of()).status()).isEqualTo(200);
    t = await(id, x -> x.has("precopyBack") && x.at("/precopyBack/endedAt").isTextual());
    Res back = step(clientApi, id, "move-back", Map.of("account", "alpha"));
    assertThat(back.status()).isEqualTo(409);
    assertThat(back.body()).contains("cannot move alpha back: the client server was reinstalled");
    assertThat(step(clientApi, id, "finalize", Map.of("by", "support")).status()).isEqualTo(403);
    Res fin = step(clientApi, id, "finalize", Map.of("by", "user"));
    assertThat(fin.status()).as(fin.toString()).isEqualTo(200);
    assertThat(fin.json().get("state").asText()).isEqualTo("finalizing");
    assertThat(fin.json().at("/windows/finalizeDaysLeft").asLong()).isEqualTo(7);
    assertThat(fin.json().at("/windows/finalizer").asText()).isEqualTo("user");

    // home, one by one
    ApiRunTest.write(transitDir.resolve("gamma/www/f1.html"), 5000, 77);
    for (String a : List.of("alpha", "beta", "gamma")) {
      t = move(clientApi, id, "move-account", a, "server");
    }
    t = await(id, x -> x.get("state").asText().equals("finished"));
    assertThat(t.get("accounts")).extracting(a -> a.get("state").asText()).containsOnly("home");
    assertThat(tree(server)).isEqualTo(tree(transitDir));
    assertThat(tree(server)).hasSize(16);
    assertThat(Files.readAllLines(hooks))
        .as("each move: freeze, route, unfreeze")
        .startsWith("freeze alpha ", "route alpha transit", "unfreeze alpha ")
        .contains("route beta server", "route gamma server")
        .hasSize(3 * 8);
    assertThat(t.get("steps"))
        .extracting(x -> x.get("name").asText() + " by " + x.get("by").asText())
        .contains("request by admin (FERRY_ADMIN_TOKEN)", "finalize by customer");
  }
}
