package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.cli.Ferry;
import dev.ferry.api.server.ApiHarness.Api;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry transit} against a real server: create from a JSON spec (a bad one exits 2 with the
 * problems by field), an operator step with the client's token (exit 3 with the rule), a step out
 * of order (exit 1 with the reason), request and a move with {@code --wait}, status as a person
 * reads it, list, an unknown action.
 */
class TransitCommandTest {
  static ApiHarness h;
  static Api api;
  static String client;
  static String project;
  static String clientToken;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
    client = api.client("Transit CLI " + UUID.randomUUID());
    project = api.project(client, "transit-cli");
    clientToken =
        api.post("/tokens", Map.of("name", "customer", "clientId", client))
            .json()
            .get("token")
            .asText();
  }

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

  @Test
  void createsATransitRequestsItMovesAnAccountAndSaysWhyAStepIsRefused() throws Exception {
    Path server = dir.resolve("server");
    Path transit = dir.resolve("transit");
    Files.createDirectories(transit);
    for (String a : new String[] {"shop", "blog"}) {
      ApiRunTest.write(server.resolve(a + "/index.html"), 2000, a.hashCode());
    }
    String s = api.localConnection(client, "server " + UUID.randomUUID(), server);
    String t = api.localConnection(client, "transit " + UUID.randomUUID(), transit);
    Path bad = dir.resolve("bad.json");
    Files.writeString(
        bad,
        "{\"projectId\": \""
            + project
            + "\", \"name\": \"x\", \"accounts\": [{\"name\": \"a b\"}]}");
    Out o = ferry(h.adminToken, "transit", "create", bad.toString());
    assertThat(o.code()).as(o.toString()).isEqualTo(2);
    assertThat(o.err()).contains("server: is required").contains("accounts[0].name: letters");

    Path spec = dir.resolve("transit.json");
    Files.writeString(
        spec,
        """
        {"projectId": "%s", "name": "srv9",
         "server": {"files": {"connectionId": "%s"}},
         "transit": {"files": {"connectionId": "%s"}},
         "accounts": [{"name": "shop"}, {"name": "blog"}]}"""
            .formatted(project, s, t));
    o = ferry(h.adminToken, "transit", "create", spec.toString(), "--json");
    assertThat(o.code()).as(o.toString()).isZero();
    String id = ApiHarness.JSON.readTree(o.out()).get("id").asText();

    o = ferry(clientToken, "transit", "request", id);
    assertThat(o.code()).isEqualTo(3);
    assertThat(o.err()).contains("request is an operator step");
    o = ferry(clientToken, "transit", "move-account", id, "shop");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains("ferry transit: refused: cannot move shop: the transit is created (request it");

    o = ferry(h.adminToken, "transit", "request", id, "--reason", "ticket 1", "--wait");
    assertThat(o.code()).as(o.toString()).isZero();
    assertThat(o.out())
        .contains("): ready")
        .contains("precopy (run ")
        .containsPattern("2 files found, 2 copied \\(")
        .contains("free until ");

    o = ferry(clientToken, "transit", "move-account", id, "shop", "--wait");
    assertThat(o.code()).as(o.toString()).isZero();
    assertThat(o.out())
        .containsPattern("shop\\s+transit\\s+serving\\s+1")
        .containsPattern("blog\\s+server\\s+serving\\s+0")
        .contains("shop → transit: done");
    assertThat(Files.readAllBytes(transit.resolve("shop/index.html")))
        .isEqualTo(Files.readAllBytes(server.resolve("shop/index.html")));

    o = ferry(h.adminToken, "transit", "reinstall", id);
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err()).contains("1 account(s) still on the client server (blog)");
    assertThat(ferry(clientToken, "transit", "move-account", id, "blog", "--wait").code()).isZero();
    o = ferry(h.adminToken, "transit", "reinstall", id, "--wait");
    assertThat(o.code()).as(o.toString()).isZero();
    assertThat(o.out())
        .as("--wait waits for the precopy back")
        .contains("): reinstalling")
        .contains("reinstalled: the precopy back copied")
        .containsPattern("precopy back \\(run \\d+\\): completed");

    o = ferry(clientToken, "transit", "list");
    assertThat(o.code()).isZero();
    assertThat(o.out()).contains(id).contains("reinstalling").contains("srv9");
    assertThat(ferry(clientToken, "transit", "finalize", id).code()).isEqualTo(2);
    assertThat(ferry(clientToken, "transit", "jump", id).code()).isEqualTo(2);
  }
}
