package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route validates its input: malformed JSON, unknown fields, wrong types, out-of-range
 * options and unknown connection kinds get a 400 with one message per field — all of them at once —
 * and nothing is created.
 */
class ApiValidationTest {
  static ApiHarness h;
  static Api api;
  static String client;
  static String src;
  static String dst;
  static String project;
  @TempDir static Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
    client = api.client("Validation " + UUID.randomUUID());
    src = api.localConnection(client, "src", dir.resolve("src"));
    dst = api.localConnection(client, "dst", dir.resolve("dst"));
    project = api.project(client, "p");
  }

  static void assertFields(Res r, Map<String, String> expected) {
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    JsonNode fields = r.json().get("fields");
    for (var e : expected.entrySet()) {
      assertThat(fields.has(e.getKey())).as(e.getKey() + " in " + r.body()).isTrue();
      assertThat(fields.get(e.getKey()).asText()).as(e.getKey()).contains(e.getValue());
    }
  }

  int jobCount() {
    return api.get("/jobs?clientId=" + client + "&limit=500").json().get("jobs").size();
  }

  @Test
  void malformedJsonAndNonObjectsAreRefused() {
    assertFields(api.post("/clients", "{\"name\": "), Map.of("body", "malformed JSON"));
    assertFields(api.post("/clients", "[1, 2]"), Map.of("body", "must be a JSON object"));
    assertFields(api.post("/clients", ""), Map.of("body", "a JSON object is required"));
    String job = api.job(project, src, dst, Map.of());
    assertFields(api.post("/jobs/" + job + "/runs", "{"), Map.of("body", "malformed"));
    assertFields(api.patch("/jobs/" + job, "{\"name\": \"x\",}"), Map.of("body", "malformed"));
  }

  @Test
  void everyProblemOfAClientIsReportedAtOnce() {
    Res r =
        api.post(
            "/clients",
            Map.of(
                "name", 42,
                "contactEmail", "not-an-address",
                "status", "PAUSED",
                "colour", "blue"));
    assertFields(
        r,
        Map.of(
            "name", "must be a string",
            "contactEmail", "must be an email address",
            "status", "must be one of ACTIVE, INACTIVE",
            "colour", "unknown field"));
    assertFields(api.post("/clients", Map.of()), Map.of("name", "is required"));
    assertFields(api.post("/clients", Map.of("name", "  ")), Map.of("name", "must not be empty"));
    assertFields(
        api.post("/clients", Map.of("name", "x".repeat(201))), Map.of("name", "at most 200"));
  }

  @Test
  void outOfRangeOptionsBadFiltersAndConflictingChoicesAreRefusedAndNoJobIsCreated() {
    int before = jobCount();
    Map<String, Object> body = new HashMap<>();
    body.put("name", "bad");
    body.put("source", Map.of("connectionId", src));
    body.put("destination", Map.of("connectionId", dst, "path", "../escape"));
    body.put(
        "options",
        Map.of(
            "concurrency",
            0,
            "chunkSizeMiB",
            300,
            "bwlimitMbps",
            -1,
            "verify",
            "yes",
            "names",
            "rename",
            "maxParallelOwners",
            0,
            "turbo",
            true));
    body.put(
        "filters",
        Map.of("include", List.of("[oops"), "olderThan", "yesterdayish", "exclude", "*.tmp"));
    body.put("owners", List.of(Map.of("sourcePath", "a"), Map.of("sourcePath", "a/b")));
    body.put("agentId", UUID.randomUUID().toString());
    Res r = api.post("/projects/" + project + "/jobs", body);
    assertFields(
        r,
        Map.of(
            "options.concurrency", "must be between 1 and 32 (got 0)",
            "options.chunkSizeMiB", "must be between 5 and 256 MiB (got 300;",
            "options.bwlimitMbps", "must be between 0 and",
            "options.verify", "must be true or false",
            "options.turbo", "unknown field",
            "filters.include[0]", "'[oops' is not a valid pattern",
            "filters.olderThan", "is neither a date",
            "filters.exclude", "must be a list of strings",
            "owners[1].sourcePath", "overlaps the source path 'a'",
            "destination.path", "'..' segment"));
    assertThat(r.field("options.names")).contains("must be 'refuse' or 'remap' (got 'rename')");
    assertThat(r.field("options.maxParallelOwners"))
        .isEqualTo("must be between 1 and 1000 (got 0)");
    assertThat(r.json().get("fields").has("agentId")).isTrue();
    assertThat(jobCount()).isEqualTo(before);

    Res both =
        api.post(
            "/projects/" + project + "/jobs",
            Map.of(
                "name", "x",
                "source", Map.of("connectionId", src),
                "options", Map.of("removeEmptyDirs", true, "verify", false, "deleteSource", true)));
    assertFields(both, Map.of("options.deleteSource", "cannot be combined with verify=false"));
    Res dirs =
        api.post(
            "/projects/" + project + "/jobs",
            Map.of(
                "name", "x",
                "source", Map.of("connectionId", src),
                "destination", Map.of("connectionId", dst),
                "options", Map.of("removeEmptyDirs", true),
                "filters", Map.of("olderThan", "2020-01-01", "newerThan", "2021-01-01")));
    assertFields(
        dirs,
        Map.of(
            "options.removeEmptyDirs", "only applies with deleteSource",
            "filters.newerThan", "must be earlier than olderThan"));
    assertThat(jobCount()).isEqualTo(before);
  }

  @Test
  void sourceAndDestinationMustExistBelongToTheClientAndNotNest() {
    String otherClient = api.client("Other " + UUID.randomUUID());
    String foreign = api.localConnection(otherClient, "theirs", dir.resolve("x"));
    String inside =
        api.localConnection(client, "inside " + UUID.randomUUID(), dir.resolve("src/sub"));
    Res r =
        api.post(
            "/projects/" + project + "/jobs",
            Map.of("name", "x", "source", Map.of("connectionId", foreign)));
    assertFields(
        r,
        Map.of(
            "source.connectionId", "no connection with this id belongs to the job's client",
            "destination", "is required"));
    assertFields(
        api.post(
            "/projects/" + project + "/jobs",
            Map.of(
                "name", "x",
                "source", Map.of("connectionId", src),
                "destination", Map.of("connectionId", inside))),
        Map.of("destination", "is inside the source"));
    assertFields(
        api.post(
            "/projects/" + project + "/jobs",
            Map.of(
                "name", "x",
                "source", Map.of("connectionId", src, "path", "a"),
                "destination", Map.of("connectionId", src, "path", "a/"))),
        Map.of("destination", "is the same location as the source"));
  }

  @Test
  void unknownConnectionKindsListTheSupportedOnesAndKindsCheckTheirFields() {
    int before = api.get("/clients/" + client + "/connections").json().get("connections").size();
    Res ftp =
        api.post(
            "/clients/" + client + "/connections",
            Map.of("name", "f", "kind", "ftp", "settings", Map.of("host", "x")));
    assertFields(ftp, Map.of("kind", "unknown connection kind 'ftp'; supported: azure, local"));
    assertThat(ftp.field("kind"))
        .contains("s3")
        .contains("sftp")
        .contains("onedrive")
        .contains("sharepoint");
    Res local =
        api.post(
            "/clients/" + client + "/connections",
            Map.of(
                "name",
                "l",
                "kind",
                "local",
                "settings",
                Map.of("root", "relative/path", "colour", "red"),
                "secret",
                Map.of("password", "x")));
    assertFields(
        local,
        Map.of(
            "settings.colour", "unknown field",
            "secret.password", "this kind takes no secret"));
    assertFields(
        api.post(
            "/clients/" + client + "/connections",
            Map.of("name", "l", "kind", "local", "settings", Map.of("root", "relative"))),
        Map.of("settings.root", "must be an absolute path"));
    assertFields(
        api.post(
            "/clients/" + client + "/connections",
            Map.of("name", "l", "kind", "locked-local", "settings", Map.of("root", "/x"))),
        Map.of("secret.password", "is required"));
    assertFields(
        api.post(
            "/clients/" + client + "/connections",
            Map.of("name", "l", "kind", "local", "settings", Map.of("root", 7))),
        Map.of("settings.root", "must be a string"));
    assertThat(api.get("/clients/" + client + "/connections").json().get("connections").size())
        .isEqualTo(before);
  }

  @Test
  void projectsCheckTypeAndSchedule() {
    Res r =
        api.post(
            "/clients/" + client + "/projects",
            Map.of(
                "name", "s",
                "type", "BACKUP",
                "defaultDestinationConnectionId", "nope",
                "bandwidthSchedule",
                    Map.of(
                        "timeZone",
                        "Mars/Olympus",
                        "windows",
                        List.of(
                            Map.of(
                                "days",
                                List.of("MON", "Funday"),
                                "from",
                                "25:00",
                                "to",
                                "8am",
                                "mbps",
                                0)))));
    assertFields(
        r,
        Map.of(
            "type", "must be one of FILE_MIGRATION, ARCHIVE",
            "defaultDestinationConnectionId", "must be an id",
            "bandwidthSchedule.timeZone", "is not a time zone",
            "bandwidthSchedule.windows[0].days", "Funday",
            "bandwidthSchedule.windows[0].from", "must be a time HH:mm",
            "bandwidthSchedule.windows[0].to", "must be a time HH:mm",
            "bandwidthSchedule.windows[0].mbps", "must be between"));
    assertThat(
            api.get("/clients/" + client + "/projects")
                .json()
                .get("projects")
                .findValuesAsText("name"))
        .doesNotContain("s");
  }

  @Test
  void ownersCsvReportsEachBadLineAndChangesNothing() {
    String job =
        api.job(project, src, dst, Map.of("owners", List.of(Map.of("sourcePath", "keep"))));
    Res r =
        api.putCsv(
            "/jobs/" + job + "/owners",
            "name,source_path,destination_path,extra\nok,a,a,\nbad,../up,x,\ndup,a,y,\n");
    assertFields(
        r,
        Map.of(
            "line 1.extra", "unknown column",
            "line 3.source_path", "'..' segment",
            "line 4.source_path", "overlaps the source path 'a'"));
    assertFields(
        api.putCsv("/jobs/" + job + "/owners", "who,where\nx,y\n"), Map.of("body", "source_path"));
    assertThat(
            api.get("/jobs/" + job + "/owners").json().get("owners").findValuesAsText("sourcePath"))
        .containsExactly("keep");
    // the short column names of ferry migrate --owners are taken too
    Res shortNames =
        api.putCsv("/jobs/" + job + "/owners", "name,source,destination\nKeep,keep,kept\n");
    assertThat(shortNames.status()).as(shortNames.toString()).isEqualTo(200);
    assertThat(shortNames.json().at("/owners/0/destinationPath").asText()).isEqualTo("kept");
  }

  @Test
  void aWholeNumberWrittenWithAZeroFractionIsAWholeNumber() {
    Map<String, Object> body = new java.util.HashMap<>();
    body.put("name", "whole numbers");
    body.put("source", Map.of("connectionId", src, "path", ""));
    body.put("destination", Map.of("connectionId", dst, "path", ""));
    body.put("options", Map.of("concurrency", 4.0));
    Res ok = api.post("/projects/" + project + "/jobs", body);
    assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
    assertThat(ok.json().at("/options/concurrency").asInt()).isEqualTo(4);
    body.put("options", Map.of("concurrency", 4.5));
    assertFields(
        api.post("/projects/" + project + "/jobs", body),
        Map.of("options.concurrency", "must be a whole number"));
  }

  @Test
  void runsActionsQueriesAndPathParametersAreChecked() {
    String job = api.job(project, src, dst, Map.of());
    assertFields(
        api.post("/jobs/" + job + "/runs", Map.of("mode", "TURBO")),
        Map.of("mode", "must be one of DRY_RUN, FULL, INCREMENTAL"));
    assertFields(api.post("/jobs/" + job + "/runs", Map.of()), Map.of("mode", "is required"));
    assertFields(
        api.post("/jobs/" + job + "/pause", Map.of("now", true)), Map.of("now", "unknown field"));
    assertThat(api.post("/jobs/" + job + "/pause", null).status()).isEqualTo(409);
    assertFields(api.get("/jobs/not-a-uuid"), Map.of("jobId", "must be an id"));
    assertFields(api.get("/jobs?state=SLEEPING"), Map.of("state", "must be one of"));
    assertFields(api.get("/jobs?limit=0"), Map.of("limit", "between 1 and 500"));
    assertFields(api.get("/jobs?clinetId=x"), Map.of("clinetId", "unknown query parameter"));
    assertFields(
        api.get("/jobs/" + job + "?verbose=1"), Map.of("verbose", "unknown query parameter"));
    assertFields(
        api.post("/jobs/" + job + "/runs?mode=FULL", Map.of("mode", "FULL")),
        Map.of("mode", "unknown query parameter"));
    assertFields(
        api.get("/jobs/" + job + "/runs/abc/log"), Map.of("runId", "positive whole number"));
    assertThat(api.get("/jobs/" + job + "/runs/999999/log").status()).isEqualTo(404);
  }
}
