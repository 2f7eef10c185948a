package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Create, read, update and delete of every resource over real HTTP. */
class ApiResourcesTest {
  static ApiHarness h;
  static Api api;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
  }

  static String unique(String s) {
    return s + " " + UUID.randomUUID().toString().substring(0, 6);
  }

  @Test
  void clientsAreCreatedReadListedAndChanged() {
    String name = unique("Acme");
    Res created =
        api.post(
            "/clients",
            Map.of(
                "name", name,
                "contactName", "Ann Operator",
                "contactEmail", "ann@acme.example",
                "psaCompanyId", "PSA-42"));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    JsonNode c = created.json();
    assertThat(c.get("status").asText()).isEqualTo("ACTIVE");
    assertThat(c.get("psaCompanyId").asText()).isEqualTo("PSA-42");
    String id = c.get("id").asText();

    assertThat(api.get("/clients/" + id).json().get("contactName").asText())
        .isEqualTo("Ann Operator");
    assertThat(api.get("/clients").json().get("clients").findValuesAsText("id")).contains(id);

    Res changed = api.patch("/clients/" + id, Map.of("status", "INACTIVE", "contactName", "Bo"));
    assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
    assertThat(changed.json().get("status").asText()).isEqualTo("INACTIVE");
    assertThat(changed.json().get("contactEmail").asText()).isEqualTo("ann@acme.example");

    Res dup = api.post("/clients", Map.of("name", name.toUpperCase()));
    assertThat(dup.status()).isEqualTo(409);
    assertThat(dup.json().get("error").asText()).contains("already exists");
  }

  @Test
  void projectsCarryTypeDefaultDestinationScheduleAndPsaReferences() {
    String client = api.client(unique("P"));
    String dest = api.localConnection(client, "nas", dir.resolve("d"));
    Res p =
        api.post(
            "/clients/" + client + "/projects",
            Map.of(
                "name", "Archive 2024",
                "type", "archive",
                "defaultDestinationConnectionId", dest,
                "bandwidthSchedule",
                    Map.of(
                        "timeZone",
                        "Europe/Berlin",
                        "windows",
                        List.of(
                            Map.of(
                                "days",
                                List.of("MON", "TUE", "WED", "THU", "FRI"),
                                "from",
                                "08:00",
                                "to",
                                "18:00",
                                "mbps",
                                50))),
                "psaTicketId", "T-1",
                "psaProjectId", "PR-9"));
    assertThat(p.status()).as(p.toString()).isEqualTo(201);
    JsonNode j = p.json();
    assertThat(j.get("type").asText()).isEqualTo("ARCHIVE");
    assertThat(j.get("defaultDestinationConnectionId").asText()).isEqualTo(dest);
    assertThat(j.at("/bandwidthSchedule/windows/0/mbps").asDouble()).isEqualTo(50);
    String id = j.get("id").asText();
    assertThat(
            api.get("/clients/" + client + "/projects")
                .json()
                .get("projects")
                .findValuesAsText("id"))
        .containsExactly(id);
    Res patched =
        api.patch("/projects/" + id, java.util.Collections.singletonMap("bandwidthSchedule", null));
    assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
    assertThat(patched.json().get("bandwidthSchedule").isNull()).isTrue();
    assertThat(patched.json().get("psaTicketId").asText()).isEqualTo("T-1");
  }

  @Test
  void connectionsNeverShowTheirSecretAndCanBeChangedAndDeleted() {
    String client = api.client(unique("C"));
    Res c =
        api.post(
            "/clients/" + client + "/connections",
            Map.of(
                "name",
                "vault",
                "kind",
                "locked-local",
                "settings",
                Map.of("root", dir.toString()),
                "secret",
                Map.of("password", LockedLocalKind.PASSWORD)));
    assertThat(c.status()).as(c.toString()).isEqualTo(201);
    assertThat(c.json().get("hasSecret").asBoolean()).isTrue();
    assertThat(c.body()).doesNotContain(LockedLocalKind.PASSWORD).doesNotContain("\"secret\"");
    String id = c.id();
    assertThat(api.get("/connections/" + id).body()).doesNotContain(LockedLocalKind.PASSWORD);
    assertThat(api.get("/clients/" + client + "/connections").body())
        .doesNotContain(LockedLocalKind.PASSWORD);

    Res renamed = api.patch("/connections/" + id, Map.of("name", "vault 2"));
    assertThat(renamed.status()).as(renamed.toString()).isEqualTo(200);
    assertThat(renamed.json().get("hasSecret").asBoolean()).isTrue(); // kept

    Res kind = api.patch("/connections/" + id, Map.of("kind", "local"));
    assertThat(kind.status()).isEqualTo(400);
    assertThat(kind.field("kind")).contains("cannot change");

    String project = api.project(client, "p");
    String other = api.localConnection(client, "other", dir.resolve("o"));
    api.job(project, id, other, Map.of());
    Res inUse = api.delete("/connections/" + id);
    assertThat(inUse.status()).isEqualTo(409);
    assertThat(api.delete("/connections/" + api.localConnection(client, "spare", dir)).status())
        .isEqualTo(204);
  }

  @Test
  void jobsHaveOwnersFromJsonOrCsvFiltersOptionsAndCanBeListedByClientProjectAndState() {
    String client = api.client(unique("J"));
    String src = api.localConnection(client, "src", dir.resolve("src"));
    String dst = api.localConnection(client, "dst", dir.resolve("dst"));
    String project = api.project(client, "p");
    Res r =
        api.post(
            "/projects/" + project + "/jobs",
            Map.of(
                "name", "home folders",
                "source", Map.of("connectionId", src, "path", "/home/"),
                "destination", Map.of("connectionId", dst, "path", "users"),
                "owners",
                    List.of(
                        Map.of("name", "alice", "sourcePath", "alice"),
                        Map.of("name", "bob", "sourcePath", "bob", "destinationPath", "robert")),
                "filters", Map.of("include", List.of("*.pdf"), "olderThan", "30d"),
                "options", Map.of("concurrency", 8, "chunkSizeMiB", 16, "bwlimitMbps", 100)));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    JsonNode job = r.json();
    String id = job.get("id").asText();
    assertThat(job.at("/source/path").asText()).isEqualTo("home");
    assertThat(job.at("/owners/0/destinationPath").asText()).isEqualTo("alice");
    assertThat(job.at("/owners/1/destinationPath").asText()).isEqualTo("robert");
    assertThat(job.at("/options/concurrency").asInt()).isEqualTo(8);
    assertThat(job.at("/options/maxParallelOwners").asInt()).as("the default").isEqualTo(8);
    assertThat(job.at("/options/verify").asBoolean()).isTrue();
    assertThat(job.at("/filters/olderThan").asText()).isEqualTo("30d");
    assertThat(job.get("state").asText()).isEqualTo("CREATED");

    Res csv =
        api.putCsv(
            "/jobs/" + id + "/owners",
            "name,source_path,destination_path\ncarol,carol,c\n\"dan, jr\",dan,\n");
    assertThat(csv.status()).as(csv.toString()).isEqualTo(200);
    assertThat(csv.json().get("owners").findValuesAsText("name"))
        .containsExactly("carol", "dan, jr");
    assertThat(csv.json().at("/owners/1/destinationPath").asText()).isEqualTo("dan");
    assertThat(api.get("/jobs/" + id).json().get("ownerCount").asInt()).isEqualTo(2);

    Res patched =
        api.patch(
            "/jobs/" + id,
            Map.of("options", Map.of("verify", false, "maxParallelOwners", 20), "name", "renamed"));
    assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
    assertThat(patched.json().at("/options/verify").asBoolean()).isFalse();
    assertThat(patched.json().at("/options/concurrency").asInt()).isEqualTo(8); // kept
    assertThat(patched.json().at("/options/maxParallelOwners").asInt()).isEqualTo(20);
    assertThat(
            api.patch("/jobs/" + id, Map.of("options", Map.of("maxParallelOwners", 1001)))
                .field("options.maxParallelOwners"))
        .isEqualTo("must be between 1 and 1000 (got 1001)");

    String other = api.job(api.project(client, "q"), src, dst, Map.of());
    assertThat(api.get("/jobs?clientId=" + client).json().get("jobs").findValuesAsText("id"))
        .containsExactlyInAnyOrder(id, other);
    assertThat(api.get("/jobs?projectId=" + project).json().get("jobs").findValuesAsText("id"))
        .containsExactly(id);
    assertThat(api.get("/jobs?clientId=" + client + "&state=created").json().get("jobs").size())
        .isEqualTo(2);
    assertThat(api.get("/jobs?clientId=" + client + "&state=COMPLETED").json().get("jobs").size())
        .isZero();

    assertThat(api.delete("/jobs/" + other).status()).isEqualTo(204);
    assertThat(api.get("/jobs/" + other).status()).isEqualTo(404);
  }

  @Test
  void aJobWithoutDestinationUsesTheProjectDefault() {
    String client = api.client(unique("D"));
    String src = api.localConnection(client, "src", dir.resolve("s"));
    String dst = api.localConnection(client, "dst", dir.resolve("d"));
    Res p =
        api.post(
            "/clients/" + client + "/projects",
            Map.of("name", "p", "type", "FILE_MIGRATION", "defaultDestinationConnectionId", dst));
    Res j =
        api.post(
            "/projects/" + p.id() + "/jobs",
            Map.of("name", "j", "source", Map.of("connectionId", src)));
    assertThat(j.status()).as(j.toString()).isEqualTo(201);
    assertThat(j.json().at("/destination/connectionId").asText()).isEqualTo(dst);
  }

  @Test
  void tokensAreShownOnceListedWithoutTheTokenAndRevoked() {
    String client = api.client(unique("T"));
    Res minted = api.post("/tokens", Map.of("name", "portal", "clientId", client));
    assertThat(minted.status()).as(minted.toString()).isEqualTo(201);
    String token = minted.json().get("token").asText();
    assertThat(token).startsWith("fy_");
    Api scoped = h.api(token);
    assertThat(scoped.get("/clients/" + client).status()).isEqualTo(200);
    Res list = api.get("/tokens?clientId=" + client);
    assertThat(list.body()).doesNotContain(token);
    assertThat(list.json().get("tokens").findValuesAsText("scope")).containsExactly("client");
    String id = minted.json().at("/tokenInfo/id").asText();
    assertThat(api.delete("/tokens/" + id).status()).isEqualTo(204);
    Res after = scoped.get("/clients/" + client);
    assertThat(after.status()).isEqualTo(401);
    assertThat(after.raw().headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
  }

  @Test
  void everyRequestNeedsAValidBearerToken() {
    assertThat(h.api(null).get("/clients").status()).isEqualTo(401);
    assertThat(h.api("fy_nope").get("/clients").status()).isEqualTo(401);
    assertThat(h.api(null).get("/openapi.json").status()).isEqualTo(401);
    Res nothing = api.get("/nothing-here");
    assertThat(nothing.status()).isEqualTo(404);
    assertThat(nothing.json().get("error").asText()).isNotBlank();
  }
}
