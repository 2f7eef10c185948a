package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Owners in a run, on the real stack (PostgreSQL, the Temporal dev server, local files) through the
 * API: each owner's state and traffic light, the owners of a run paged and filtered, and staged
 * starts — one owner, then the rest — where an owner run again is incremental.
 */
class OwnersTest {
  static ApiHarness h;
  static Api api;
  static String client;
  static String project;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
    client = api.client("Owners " + UUID.randomUUID());
    project = api.project(client, "owners");
  }

  /** A job on {@code src} → {@code dst} with owners Alice (alice), Bob (bob) and Carol (carol). */
  private String job(Path src, Path dst, Map<String, Object> options) {
    String s = api.localConnection(client, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(client, "dst " + UUID.randomUUID(), dst);
    return api.job(
        project,
        s,
        d,
        Map.of(
            "owners",
            List.of(
                Map.of("name", "Alice", "sourcePath", "alice"),
                Map.of("name", "Bob", "sourcePath", "bob"),
                Map.of("name", "Carol", "sourcePath", "carol")),
            "options",
            options));
  }

  private long start(String job, Map<String, Object> body) {
    Res r = api.post("/jobs/" + job + "/runs", body);
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.json().get("id").asLong();
  }

  private JsonNode run(String job, long run, String query) {
    Res r = api.get("/jobs/" + job + "/runs/" + run + query);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  private static Map<String, JsonNode> byName(JsonNode owners) {
    Map<String, JsonNode> m = new HashMap<>();
    owners.forEach(o -> m.put(o.get("name").asText(), o));
    return m;
  }

  @Test
  void anOwnerWhoseSourceFolderDoesNotExistIsRedNotAnEmptyGreenOwner() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    ApiRunTest.write(src.resolve("alice/a1.txt"), 1000, 1);
    ApiRunTest.write(src.resolve("bob/b1.txt"), 3000, 3);
    String job = job(src, dst, Map.of("retries", 0)); // carol/ is not there (a typo, a move)
    long run = start(job, Map.of("mode", "FULL"));
    api.awaitEnd(job);
    Map<String, JsonNode> owners = byName(run(job, run, "").get("owners"));
    assertThat(owners.get("Carol").get("light").asText()).isEqualTo("red");
    assertThat(owners.get("Carol").toString()).contains("does not exist");
    assertThat(owners.get("Alice").get("light").asText()).isEqualTo("green");
    assertThat(owners.get("Bob").get("light").asText()).isEqualTo("green");
    assertThat(owners.get("Carol").path("reruns").size()).as("not found is not rerun").isZero();
  }

  @Test
  void aStagedStartOfOneOwnerThenEveryoneCopiesTheFirstOwnersFilesOnce() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    ApiRunTest.write(src.resolve("alice/a1.txt"), 1000, 1);
    ApiRunTest.write(src.resolve("alice/deep/a2.txt"), 2000, 2);
    ApiRunTest.write(src.resolve("bob/b1.txt"), 3000, 3);
    ApiRunTest.write(src.resolve("carol/c1.txt"), 4000, 4);
    String job = job(src, dst, Map.of());

    // stage one: Alice alone, named by her name
    long first = start(job, Map.of("mode", "FULL", "owners", List.of("Alice")));
    JsonNode end = api.awaitEnd(job);
    assertThat(end.at("/lastRun/id").asLong()).isEqualTo(first);
    assertThat(end.get("state").asText()).isEqualTo("COMPLETED");
    assertThat(dst.resolve("alice/deep/a2.txt"))
        .hasSameBinaryContentAs(src.resolve("alice/deep/a2.txt"));
    assertThat(dst.resolve("bob")).doesNotExist();
    assertThat(dst.resolve("carol")).doesNotExist();
    JsonNode r1 = run(job, first, "");
    assertThat(ApiHarness.each(r1.get("owners"), "name")).containsExactly("Alice");
    assertThat(r1.at("/ownerTotals/total").asLong()).isEqualTo(1);
    assertThat(r1.at("/ownerTotals/states/completed").asLong()).isEqualTo(1);
    assertThat(r1.at("/ownerTotals/lights/green").asLong()).isEqualTo(1);
    assertThat(r1.at("/owners/0/state").asText()).isEqualTo("completed");
    assertThat(r1.at("/owners/0/light").asText()).isEqualTo("green");
    assertThat(r1.at("/files/transferred").asLong()).isEqualTo(2);

    // stage two: everyone, incrementally — Alice's files are not copied again
    long second = start(job, Map.of("mode", "INCREMENTAL"));
    end = api.awaitEnd(job);
    assertThat(end.at("/lastRun/id").asLong()).isEqualTo(second);
    assertThat(end.get("state").asText()).isEqualTo("COMPLETED");
    assertThat(dst.resolve("bob/b1.txt")).hasSameBinaryContentAs(src.resolve("bob/b1.txt"));
    assertThat(dst.resolve("carol/c1.txt")).hasSameBinaryContentAs(src.resolve("carol/c1.txt"));
    JsonNode r2 = run(job, second, "");
    Map<String, JsonNode> owners = byName(r2.get("owners"));
    assertThat(owners).containsOnlyKeys("Alice", "Bob", "Carol");
    assertThat(owners.get("Alice").at("/files/unchanged").asLong()).isEqualTo(2);
    assertThat(owners.get("Alice").at("/files/transferred").asLong()).isZero();
    assertThat(owners.get("Bob").at("/files/transferred").asLong()).isEqualTo(1);
    assertThat(owners.get("Carol").at("/files/transferred").asLong()).isEqualTo(1);
    assertThat(r2.at("/ownerTotals/lights/green").asLong()).isEqualTo(3);
    // the report says so, file by file
    String csv = api.get("/jobs/" + job + "/runs/" + second + "/report.csv").body();
    assertThat(csv)
        .contains("Alice,alice/a1.txt,1000,unchanged")
        .contains("Alice,alice/deep/a2.txt,2000,unchanged")
        .contains("Bob,bob/b1.txt,3000,transferred")
        .contains("Carol,carol/c1.txt,4000,transferred");
    assertThat(run(job, first, "").at("/ownerTotals/total").asLong())
        .as("the first stage's run stays as it was")
        .isEqualTo(1);
  }

  @Test
  void aDryRunIsStagedTheSameWayAndItsScannedFilesCountAsSkipped() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    ApiRunTest.write(src.resolve("alice/a1.txt"), 100, 1);
    ApiRunTest.write(src.resolve("bob/b1.txt"), 200, 2);
    ApiRunTest.write(src.resolve("bob/b2.txt"), 300, 3);
    ApiRunTest.write(src.resolve("carol/c1.txt"), 400, 4);
    String job = job(src, dst, Map.of());
    String bob =
        api.get("/jobs/" + job + "/owners").json().get("owners").findValues("id").get(1).asText();
    // Bob by his id and Carol by her source path
    long dry = start(job, Map.of("mode", "DRY_RUN", "owners", List.of(bob, "carol/")));
    JsonNode end = api.awaitEnd(job);
    assertThat(end.get("state").asText()).isEqualTo("READY");
    JsonNode r = run(job, dry, "");
    Map<String, JsonNode> owners = byName(r.get("owners"));
    assertThat(owners).containsOnlyKeys("Bob", "Carol");
    assertThat(owners.get("Bob").get("ownerId").asText()).isEqualTo(bob);
    assertThat(owners.get("Bob").at("/files/total").asLong()).isEqualTo(2);
    assertThat(owners.get("Bob").at("/files/skipped").asLong()).isEqualTo(2);
    assertThat(owners.get("Bob").get("state").asText()).isEqualTo("completed");
    assertThat(owners.get("Bob").get("light").asText()).isEqualTo("green");
    assertThat(r.at("/files/skipped").asLong()).isEqualTo(3);
    assertThat(r.at("/files/total").asLong()).isEqualTo(3);
    assertThat(dst)
        .satisfiesAnyOf(d -> assertThat(d).doesNotExist(), d -> assertThat(d).isEmptyDirectory());
  }

  @Test
  void theOwnersOfARunArePagedAndFilteredByStateAndLight() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    ApiRunTest.write(src.resolve("alice/a1.txt"), 100, 1); // green: every file done
    ApiRunTest.write(src.resolve("bob/b1.txt"), 200, 2); // yellow: a link is skipped
    Files.createSymbolicLink(src.resolve("bob/link"), src.resolve("bob/b1.txt"));
    // red: Carol's source is a file, not a folder, so her owner fails as a whole
    Files.writeString(src.resolve("carol"), "not a folder");
    String job = job(src, dst, Map.of());
    long run = start(job, Map.of("mode", "FULL"));
    JsonNode end = api.awaitEnd(job);
    assertThat(end.get("state").asText()).isEqualTo("FAILED");

    JsonNode all = run(job, run, "");
    Map<String, JsonNode> owners = byName(all.get("owners"));
    assertThat(owners.get("Alice").get("state").asText()).isEqualTo("completed");
    assertThat(owners.get("Alice").get("light").asText()).isEqualTo("green");
    assertThat(owners.get("Bob").get("state").asText()).isEqualTo("completed");
    assertThat(owners.get("Bob").get("light").asText()).isEqualTo("yellow");
    assertThat(owners.get("Bob").at("/files/skipped").asLong()).isEqualTo(1);
    assertThat(owners.get("Carol").get("state").asText()).isEqualTo("failed");
    assertThat(owners.get("Carol").get("light").asText()).isEqualTo("red");
    assertThat(owners.get("Carol").get("message").asText()).isNotBlank();
    assertThat(all.at("/ownerTotals/total").asLong()).isEqualTo(3);
    assertThat(all.at("/ownerTotals/states/completed").asLong()).isEqualTo(2);
    assertThat(all.at("/ownerTotals/states/failed").asLong()).isEqualTo(1);
    assertThat(all.at("/ownerTotals/states/queued").asLong()).isZero();
    assertThat(all.at("/ownerTotals/lights/green").asLong()).isEqualTo(1);
    assertThat(all.at("/ownerTotals/lights/yellow").asLong()).isEqualTo(1);
    assertThat(all.at("/ownerTotals/lights/red").asLong()).isEqualTo(1);
    assertThat(all.at("/ownersPage/nextOffset").isNull()).isTrue();

    // pages of one, in owner order
    JsonNode p1 = run(job, run, "?limit=1");
    assertThat(ApiHarness.each(p1.get("owners"), "name")).containsExactly("Alice");
    assertThat(p1.at("/ownersPage/nextOffset").asLong()).isEqualTo(1);
    assertThat(p1.at("/ownerTotals/total").asLong()).as("totals ignore the page").isEqualTo(3);
    JsonNode p3 = run(job, run, "?limit=1&offset=2");
    assertThat(ApiHarness.each(p3.get("owners"), "name")).containsExactly("Carol");
    assertThat(p3.at("/ownersPage/nextOffset").isNull()).isTrue();

    // filters
    assertThat(ApiHarness.each(run(job, run, "?light=red").get("owners"), "name"))
        .containsExactly("Carol");
    assertThat(ApiHarness.each(run(job, run, "?light=YELLOW").get("owners"), "name"))
        .containsExactly("Bob");
    assertThat(ApiHarness.each(run(job, run, "?state=completed").get("owners"), "name"))
        .containsExactly("Alice", "Bob");
    assertThat(ApiHarness.each(run(job, run, "?state=completed&light=green").get("owners"), "name"))
        .containsExactly("Alice");
    assertThat(run(job, run, "?state=completed%20with%20errors").get("owners")).isEmpty();
    JsonNode filtered = run(job, run, "?state=failed&limit=5");
    assertThat(filtered.at("/ownersPage/state").asText()).isEqualTo("failed");
    assertThat(filtered.at("/ownersPage/limit").asInt()).isEqualTo(5);

    // bad filter values are refused with the valid ones
    Res bad = api.get("/jobs/" + job + "/runs/" + run + "?state=done");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.field("state"))
        .contains("must be one of queued, scanning, running, paused, completed")
        .contains("(got 'done')");
    bad = api.get("/jobs/" + job + "/runs/" + run + "?light=blue");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.field("light")).contains("must be one of green, yellow, red");
    bad = api.get("/jobs/" + job + "/runs/" + run + "?limit=0");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.field("limit")).contains("between 1 and 1000");
  }

  @Test
  void aStagedStartNamingNoOwnerOrAnUnknownOneIsRefusedWithTheReason() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    Files.createDirectories(src);
    String job = job(src, dst, Map.of());
    Res r = api.post("/jobs/" + job + "/runs", Map.of("mode", "FULL", "owners", List.of("Dave")));
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.field("owners[0]"))
        .contains("the job has no owner 'Dave'")
        .contains("Alice (alice), Bob (bob), Carol (carol)");
    r =
        api.post(
            "/jobs/" + job + "/runs",
            Map.of("mode", "FULL", "owners", List.of("Alice", UUID.randomUUID().toString())));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().get("fields").has("owners[0]")).isFalse();
    assertThat(r.field("owners[1]")).contains("the job has no owner");
    r = api.post("/jobs/" + job + "/runs", Map.of("mode", "FULL", "owners", List.of()));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.field("owners")).contains("must name at least one of the job's owners");
    r = api.post("/jobs/" + job + "/runs", Map.of("mode", "FULL", "owners", "Alice"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.field("owners")).contains("must be a list of strings");
    assertThat(api.get("/jobs/" + job + "/runs").json().get("runs"))
        .as("nothing started")
        .isEmpty();

    // a job that lists no owners runs whole
    String s = api.localConnection(client, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(client, "dst " + UUID.randomUUID(), dst);
    String whole = api.job(project, s, d, Map.of());
    r = api.post("/jobs/" + whole + "/runs", Map.of("mode", "FULL", "owners", List.of("x")));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.field("owners")).contains("the job lists no owners");
  }
}
