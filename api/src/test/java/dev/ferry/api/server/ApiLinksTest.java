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
import java.util.concurrent.TimeUnit;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job option {@code links} through the REST API on the real stack: links and named pipes are
 * skipped (counted, logged and reported as such, the run completes), filters judge them like files,
 * {@code follow} and {@code preserve} act on the files, and {@code preserve} towards a destination
 * without links is a 400 that names the kinds that hold them.
 */
class ApiLinksTest {
  static ApiHarness h;
  static Api api;
  static String client;
  static String project;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
    client = api.client("Links " + UUID.randomUUID());
    project = api.project(client, "links");
  }

  static Path tree(Path base) throws Exception {
    Path src = base.resolve("src");
    Files.createDirectories(src.resolve("docs"));
    Files.writeString(src.resolve("a.txt"), "alpha");
    Files.writeString(src.resolve("docs/b.txt"), "bravo!");
    Files.createSymbolicLink(src.resolve("link-a"), Path.of("a.txt"));
    Files.createSymbolicLink(src.resolve("link-docs"), Path.of("docs"));
    Process p = new ProcessBuilder("mkfifo", src.resolve("pipe").toString()).start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    return src;
  }

  String job(Path src, Path dst, Map<String, Object> extra) {
    String s = api.localConnection(client, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(client, "dst " + UUID.randomUUID(), dst);
    return api.job(project, s, d, extra);
  }

  Map<String, CSVRecord> report(String job, long run) throws Exception {
    Res csv = api.get("/jobs/" + job + "/runs/" + run + "/report.csv");
    assertThat(csv.status()).isEqualTo(200);
    Map<String, CSVRecord> rows = new HashMap<>();
    for (CSVRecord r : ApiRunTest.csv(csv.body())) {
      rows.put(r.get("path"), r);
    }
    return rows;
  }

  @Test
  void linksAndPipesAreSkippedCountedLoggedAndReportedAndTheRunCompletes() throws Exception {
    Path src = tree(dir);
    Path dst = dir.resolve("dst");
    String job = job(src, dst, Map.of());
    assertThat(api.get("/jobs/" + job).json().at("/options/links").asText()).isEqualTo("skip");
    long run = api.run(job, "FULL");
    JsonNode end = api.awaitEnd(job);
    assertThat(end.get("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
    JsonNode r = end.get("lastRun");
    assertThat(r.at("/files/total").asLong()).isEqualTo(5);
    assertThat(r.at("/files/transferred").asLong()).isEqualTo(2);
    assertThat(r.at("/files/skipped").asLong()).isEqualTo(3);
    assertThat(r.at("/files/failed").asLong()).isZero();
    JsonNode skipped =
        api.get("/jobs/" + job + "/runs/" + run + "/log?outcome=skipped").json().get("entries");
    assertThat(ApiHarness.each(skipped, "path"))
        .containsExactlyInAnyOrder("link-a", "link-docs", "pipe");
    assertThat(ApiHarness.each(skipped, "detail"))
        .contains("symbolic link, not followed", "named pipe (FIFO), not copied");
    Map<String, CSVRecord> rows = report(job, run);
    assertThat(rows.get("link-a").get("outcome")).isEqualTo("skipped");
    assertThat(rows.get("pipe").get("reason")).isEqualTo("named pipe (FIFO), not copied");
    assertThat(Files.exists(dst.resolve("link-a"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
        .isFalse();
  }

  @Test
  void excludeFiltersLeaveLinksOutOfListingsReportsAndCounts() throws Exception {
    Path src = tree(dir);
    String job =
        job(src, dir.resolve("dst"), Map.of("filters", Map.of("exclude", List.of("link-*"))));
    long run = api.run(job, "DRY_RUN");
    JsonNode r = api.awaitEnd(job).get("lastRun");
    assertThat(r.at("/files/total").asLong()).as(r.toString()).isEqualTo(3);
    assertThat(report(job, run).keySet()).containsExactlyInAnyOrder("a.txt", "docs/b.txt", "pipe");
    JsonNode report = api.get("/jobs/" + job + "/runs/" + run + "/report").json();
    assertThat(ApiHarness.each(report.get("files"), "path")).doesNotContain("link-a", "link-docs");
  }

  @Test
  void followAndPreserveActOnTheLinks() throws Exception {
    Path src = tree(dir);
    Path followed = dir.resolve("followed");
    String f = job(src, followed, Map.of("options", Map.of("links", "follow")));
    api.run(f, "FULL");
    assertThat(api.awaitEnd(f).get("state").asText()).isEqualTo("COMPLETED");
    assertThat(Files.readString(followed.resolve("link-a"))).isEqualTo("alpha");
    assertThat(Files.readString(followed.resolve("link-docs/b.txt"))).isEqualTo("bravo!");

    Path preserved = dir.resolve("preserved");
    String p = job(src, preserved, Map.of("options", Map.of("links", "preserve")));
    long run = api.run(p, "FULL");
    JsonNode end = api.awaitEnd(p);
    assertThat(end.get("state").asText()).isEqualTo("COMPLETED");
    assertThat(Files.readSymbolicLink(preserved.resolve("link-a"))).isEqualTo(Path.of("a.txt"));
    assertThat(Files.readSymbolicLink(preserved.resolve("link-docs"))).isEqualTo(Path.of("docs"));
    assertThat(report(p, run).get("link-docs").get("verified_by")).isEqualTo("link-target");
    api.run(p, "INCREMENTAL");
    JsonNode again = api.awaitEnd(p).get("lastRun");
    assertThat(again.at("/files/transferred").asLong()).isZero();
    assertThat(again.at("/files/unchanged").asLong()).isEqualTo(4);
  }

  @Test
  void preserveTowardsADestinationWithoutLinksIsRefused() throws Exception {
    String s = api.localConnection(client, "src " + UUID.randomUUID(), dir);
    Res bucket =
        api.post(
            "/clients/" + client + "/connections",
            Map.of(
                "name",
                "bucket " + UUID.randomUUID(),
                "kind",
                "s3",
                "settings",
                Map.of("bucket", "some-bucket"),
                "secret",
                Map.of("accessKeyId", "AKIAEXAMPLE", "secretAccessKey", "not-a-real-key")));
    assertThat(bucket.status()).as(bucket.toString()).isEqualTo(201);
    Map<String, Object> body = new HashMap<>();
    body.put("name", "to s3");
    body.put("source", Map.of("connectionId", s, "path", ""));
    body.put("destination", Map.of("connectionId", bucket.id(), "path", ""));
    body.put("options", Map.of("links", "preserve"));
    Res r = api.post("/projects/" + project + "/jobs", body);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.json().at("/fields/options.links").asText())
        .contains("'s3'")
        .contains("local, sftp");

    body.put("options", Map.of("links", "skip"));
    Res ok = api.post("/projects/" + project + "/jobs", body);
    assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
    Res patch = api.patch("/jobs/" + ok.id(), Map.of("options", Map.of("links", "preserve")));
    assertThat(patch.status()).as(patch.toString()).isEqualTo(400);
    Res unknown = api.patch("/jobs/" + ok.id(), Map.of("options", Map.of("links", "copy")));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().at("/fields/options.links").asText())
        .contains("'skip', 'follow' or 'preserve'")
        .contains("got 'copy'");
    Res withDelete =
        api.patch(
            "/jobs/" + ok.id(), Map.of("options", Map.of("links", "follow", "deleteSource", true)));
    assertThat(withDelete.status()).isEqualTo(400);
    assertThat(withDelete.json().at("/fields/options.links").asText()).contains("deleteSource");
  }
}
