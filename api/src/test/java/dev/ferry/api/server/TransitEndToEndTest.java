package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.activities.db.PgServer;
import dev.ferry.activities.testing.PgClusters;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transit cutover end to end on the real stack: the Ferry server on the real Temporal dev server,
 * the client server's PostgreSQL (the main cluster, 5432) and the transit's (the second cluster of
 * {@code scripts/setup --test}, 5433), two local file trees. Three accounts, each with files and a
 * database of two tables; all moved to the transit, rows written there, one moved back and again,
 * the reinstall with its precopy back, the finalization, all home: every file and every row of
 * every table arrives (compared by count and content on both sides), the rows written on the
 * transit included, and each move's expected and measured unavailability is recorded.
 */
class TransitEndToEndTest {
  static final String RUN = UUID.randomUUID().toString().substring(0, 8).replace('-', '_');
  static final List<String> ACCOUNTS = List.of("alpha", "beta", "gamma");

  @TempDir Path dir;
  final PgServer serverPg = PgClusters.main();
  final PgServer transitPg = PgClusters.transit();
  final List<String> databases = new ArrayList<>();

  static String db(String account) {
    return "ferry_e2e_" + account + "_" + RUN;
  }

  @AfterEach
  void drop() throws Exception {
    for (String d : databases) {
      PgClusters.drop(serverPg, d);
      PgClusters.drop(transitPg, d);
    }
  }

  static Map<String, Object> pg(String name, PgServer s) {
    Map<String, String> settings = new HashMap<>();
    settings.put("host", s.host());
    settings.put("port", Integer.toString(s.port()));
    settings.put("user", s.user());
    return s.password() == null
        ? Map.of("name", name, "kind", "postgresql", "settings", settings)
        : Map.of(
            "name",
            name,
            "kind",
            "postgresql",
            "settings",
            settings,
            "secret",
            Map.of("password", s.password()));
  }

  /** Every table's row count and content (md5 of its rows in order), as one text. */
  static String contents(PgServer s, String db) throws Exception {
    return PgClusters.query(
            s,
            db,
            "select count(*) || ':' || md5(string_agg(t::text, '|' order by id)) from items t")
        + " / "
        + PgClusters.query(
            s,
            db,
            "select count(*) || ':' || md5(string_agg(t::text, '|' order by sku)) from prices t");
  }

  JsonNode await(Api api, String id, Predicate<JsonNode> cond) {
    JsonNode[] last = new JsonNode[1];
    try {
      ApiHarness.await(
          Duration.ofSeconds(180),
          () -> {
            last[0] = api.get("/transits/" + id).json();
            return cond.test(last[0]);
          });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the transit last read " + last[0], e);
    }
    return last[0];
  }

  JsonNode move(Api api, String id, String step, String account, String to) {
    Res r = api.post("/transits/" + id + "/" + step, Map.of("account", account));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return await(
        api,
        id,
        t ->
            TransitApiTest.idle(t)
                && TransitApiTest.location(t, account).equals(to)
                && t.get("moves").size() > 0);
  }

  @Test
  void threeAccountsWithFilesAndDatabasesGoToTheTransitAndHomeAndEveryFileAndRowArrives()
      throws Exception {
    ApiHarness h = ApiHarness.get();
    Api admin = h.admin;
    String client = admin.client("Transit e2e " + UUID.randomUUID());
    String project = admin.project(client, "hosting");
    Path server = dir.resolve("server");
    Path transit = dir.resolve("transit");
    Files.createDirectories(transit);
    Map<String, String> original = new HashMap<>();
    for (String a : ACCOUNTS) {
      for (int i = 0; i < 4; i++) {
        ApiRunTest.write(
            server.resolve(a + "/htdocs/page" + i + ".php"), 2000 + i, a.hashCode() + i);
      }
      ApiRunTest.write(server.resolve(a + "/uploads/photo.jpg"), 300_000, a.hashCode());
      String d = db(a);
      databases.add(d);
      PgClusters.drop(serverPg, d);
      PgClusters.drop(transitPg, d);
      PgClusters.sql(serverPg, "postgres", "create database \"" + d + "\"");
      PgClusters.sql(
          serverPg,
          d,
          "create table items (id int primary key, name text not null, body bytea, at timestamptz)",
          "insert into items select g, '"
              + a
              + " item ' || g, sha256(g::text::bytea),"
              + " timestamptz '2026-01-01' + g * interval '1 minute' from generate_series(1, 500) g",
          "create table prices (sku text primary key, cents bigint, note text)",
          "insert into prices select 'sku-' || g, g * 7, case when g % 3 = 0 then null else 'n'"
              + " end from generate_series(1, 120) g");
      original.put(a, contents(serverPg, d));
    }
    String serverFiles = admin.localConnection(client, "server " + RUN, server);
    String transitFiles = admin.localConnection(client, "transit " + RUN, transit);
    Res sp = admin.post("/clients/" + client + "/connections", pg("server pg " + RUN, serverPg));
    Res tp = admin.post("/clients/" + client + "/connections", pg("transit pg " + RUN, transitPg));
    assertThat(sp.status()).as(sp.toString()).isEqualTo(201);
    assertThat(tp.status()).as(tp.toString()).isEqualTo(201);
    List<Map<String, Object>> accounts = new ArrayList<>();
    for (String a : ACCOUNTS) {
      accounts.add(Map.of("name", a, "databases", List.of(db(a))));
    }
    Res created =
        admin.post(
            "/transits",
            Map.of(
                "projectId",
                project,
                "name",
                "e2e " + RUN,
                "server",
                Map.of("files", Map.of("connectionId", serverFiles), "postgresql", sp.id()),
                "transit",
                Map.of("files", Map.of("connectionId", transitFiles), "postgresql", tp.id()),
                "accounts",
                accounts));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    String id = created.id();

    assertThat(admin.post("/transits/" + id + "/request", Map.of()).status()).isEqualTo(200);
    await(admin, id, t -> t.get("state").asText().equals("ready"));

    // every account to the transit: its files and its database there, compared
    for (String a : ACCOUNTS) {
      JsonNode t = move(admin, id, "move-account", a, "transit");
      JsonNode m = t.get("moves").get(t.get("moves").size() - 1);
      assertThat(m.get("ok").asBoolean()).as(m.toString()).isTrue();
      assertThat(m.get("tablesCompared").asInt()).isEqualTo(2);
      assertThat(m.get("databaseBytes").asLong()).isPositive();
      assertThat(m.get("expectedUnavailabilitySeconds").asLong()).isEqualTo(60);
      assertThat(m.has("measuredUnavailabilitySeconds")).isTrue();
      assertThat(contents(transitPg, db(a))).isEqualTo(original.get(a));
    }
    assertThat(TransitApiTest.tree(transit)).isEqualTo(TransitApiTest.tree(server));

    // the accounts live on the transit: rows and files written there
    for (String a : ACCOUNTS) {
      PgClusters.sql(
          transitPg,
          db(a),
          "insert into items values (1001, 'written on the transit', null, now())",
          "update prices set cents = cents + 1 where sku = 'sku-7'");
      ApiRunTest.write(transit.resolve(a + "/uploads/new.jpg"), 50_000, 42);
    }

    // one back to the client server and again
    move(admin, id, "move-back", "beta", "server");
    assertThat(contents(serverPg, db("beta"))).isEqualTo(contents(transitPg, db("beta")));
    assertThat(PgClusters.query(serverPg, db("beta"), "select name from items where id = 1001"))
        .isEqualTo("written on the transit");
    move(admin, id, "move-account", "beta", "transit");

    // the reinstall (the precopy back), the finalization, every account home
    assertThat(admin.post("/transits/" + id + "/reinstall", Map.of()).status()).isEqualTo(200);
    await(admin, id, t -> t.has("reinstalledAt"));
    Res fin = admin.post("/transits/" + id + "/finalize", Map.of("by", "support"));
    assertThat(fin.status()).as(fin.toString()).isEqualTo(200);
    Map<String, String> onTransit = new HashMap<>();
    for (String a : ACCOUNTS) {
      onTransit.put(a, contents(transitPg, db(a)));
      move(admin, id, "move-account", a, "server");
    }
    JsonNode end = await(admin, id, t -> t.get("state").asText().equals("finished"));
    assertThat(end.get("accounts")).extracting(a -> a.get("state").asText()).containsOnly("home");
    for (String a : ACCOUNTS) {
      assertThat(contents(serverPg, db(a))).as(a).isEqualTo(onTransit.get(a));
      assertThat(contents(serverPg, db(a))).as(a).isNotEqualTo(original.get(a));
      assertThat(PgClusters.query(serverPg, db(a), "select count(*) from items")).isEqualTo("501");
    }
    assertThat(TransitApiTest.tree(server)).isEqualTo(TransitApiTest.tree(transit));
    assertThat(TransitApiTest.tree(server)).hasSize(3 * 6);
    assertThat(end.get("moves")).hasSize(8);
    assertThat(end.get("moves")).allSatisfy(m -> assertThat(m.get("ok").asBoolean()).isTrue());
  }
}
