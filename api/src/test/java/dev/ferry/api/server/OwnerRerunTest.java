package dev.ferry.api.server;

import static dev.ferry.activities.testing.FaultProxy.match;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.activities.testing.FaultProxy;
import dev.ferry.activities.testing.S3ProxyServer;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import dev.ferry.workflows.JobRunWorkflow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/**
 * Owners that fail as a whole are rerun by the job run, on the real stack (PostgreSQL, the Temporal
 * dev server, the server's worker, s3proxy behind a proxy that fails requests): a store that
 * refuses one owner's listing once is fixed by the rerun, one that always refuses another owner's
 * fails it after three reruns, and the third owner completes meanwhile. Owners run with no retries
 * of their own ({@code options.retries: 0}) and a rerun backoff of 1 s (then 2 s, 4 s).
 */
class OwnerRerunTest {
  static ApiHarness h;
  static Api api;
  static S3ProxyServer s3;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
    s3 = S3ProxyServer.shared();
    System.setProperty("ferry.rerunBackoffSeconds", "1");
  }

  @AfterAll
  static void down() {
    System.clearProperty("ferry.rerunBackoffSeconds");
  }

  @Test
  void aTransientFailureIsFixedByARerunAndAnOwnerFailingEveryRerunEndsFailed() throws Exception {
    String bucket = "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    s3.createBucket(bucket);
    Path src = dir.resolve("src");
    List<Map<String, Object>> owners = new ArrayList<>();
    for (String o : List.of("flaky", "broken", "fine")) {
      for (int i = 0; i < 3; i++) {
        ApiRunTest.write(src.resolve(o + "/f" + i + ".bin"), 2048, i);
      }
      owners.add(Map.of("sourcePath", o, "name", o));
    }
    try (FaultProxy proxy = FaultProxy.start(s3.endpoint())) {
      // the scan's listing of the destination: once for flaky, always for broken
      FaultProxy.Rule flaky =
          proxy.fail(
              match("GET", "list-type=2", "flaky").times(1),
              500,
              "InternalError",
              "We encountered an internal error. Please try again.",
              null);
      FaultProxy.Rule broken =
          proxy.fail(
              match("GET", "list-type=2", "broken"),
              503,
              "ServiceUnavailable",
              "Service is unable to handle request.",
              null);
      String client = api.client("Reruns " + UUID.randomUUID());
      String project = api.project(client, "reruns");
      String local = api.localConnection(client, "src", src);
      Res conn =
          api.post(
              "/clients/" + client + "/connections",
              Map.of(
                  "name",
                  "bucket",
                  "kind",
                  "s3",
                  "settings",
                  Map.of(
                      "bucket",
                      bucket,
                      "prefix",
                      "archive",
                      "endpoint",
                      proxy.endpoint().toString()),
                  "secret",
                  Map.of("accessKeyId", s3.accessKey(), "secretAccessKey", s3.secretKey())));
      assertThat(conn.status()).as(conn.toString()).isEqualTo(201);
      String job =
          api.job(
              project,
              local,
              conn.id(),
              Map.of("owners", owners, "options", Map.of("retries", 0, "maxParallelOwners", 3)));
      assertThat(api.get("/jobs/" + job).json().at("/options/retries").asInt()).isZero();
      Instant started = Instant.now();
      long run = api.run(job, "FULL");

      // the run ends once broken has failed its third rerun (a rerun keeps the run going)
      JsonNode[] view = new JsonNode[1];
      ApiHarness.await(
          Duration.ofSeconds(90),
          () -> {
            view[0] = api.get("/jobs/" + job + "/runs/" + run).json();
            return !view[0].get("finishedAt").isNull();
          });
      JsonNode end = view[0];
      Map<String, JsonNode> byName = new HashMap<>();
      end.get("owners").forEach(o -> byName.put(o.get("name").asText(), o));
      assertThat(end.get("state").asText()).as(end.toString()).isEqualTo("FAILED");

      JsonNode f = byName.get("flaky");
      assertThat(f.get("state").asText()).as(f.toString()).isEqualTo("completed");
      assertThat(f.get("light").asText()).isEqualTo("green");
      assertThat(f.at("/files/transferred").asLong()).isEqualTo(3);
      assertThat(f.get("reruns")).hasSize(1);
      JsonNode r1 = f.get("reruns").get(0);
      assertThat(r1.get("attempt").asInt()).isEqualTo(2);
      assertThat(r1.get("reason").asText()).contains("scan failed").contains("internal error");
      Instant at = Instant.parse(r1.get("at").asText());
      assertThat(at).isAfter(started.minusSeconds(1));
      assertThat(Duration.between(at, Instant.parse(r1.get("startsAt").asText())))
          .isEqualTo(Duration.ofSeconds(1));
      assertThat(flaky.applied()).isEqualTo(1);

      JsonNode b = byName.get("broken");
      assertThat(b.get("state").asText()).as(b.toString()).isEqualTo("failed");
      assertThat(b.get("light").asText()).isEqualTo("red");
      assertThat(b.get("message").asText()).contains("Service is unable to handle request");
      assertThat(b.get("reruns")).hasSize(3);
      List<Duration> backoffs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        JsonNode r = b.get("reruns").get(i);
        assertThat(r.get("attempt").asInt()).isEqualTo(i + 2);
        assertThat(r.get("reason").asText()).contains("Service is unable to handle request");
        backoffs.add(
            Duration.between(
                Instant.parse(r.get("at").asText()), Instant.parse(r.get("startsAt").asText())));
      }
      assertThat(backoffs)
          .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
      assertThat(broken.applied()).as("one listing per attempt").isEqualTo(4);

      JsonNode fine = byName.get("fine");
      assertThat(fine.get("state").asText()).isEqualTo("completed");
      assertThat(fine.get("light").asText()).isEqualTo("green");
      assertThat(fine.has("reruns")).isFalse();
      assertThat(fine.at("/files/transferred").asLong()).isEqualTo(3);
      // job-run totals count each owner's last attempt: flaky's and fine's files, none of broken's
      assertThat(end.at("/files/transferred").asLong()).isEqualTo(6);

      // the copies are there, read through s3proxy itself
      List<String> keys =
          s3
              .client()
              .listObjectsV2(
                  ListObjectsV2Request.builder().bucket(bucket).prefix("archive/").build())
              .contents()
              .stream()
              .map(o -> o.key())
              .sorted()
              .toList();
      assertThat(keys)
          .containsExactly(
              "archive/fine/f0.bin",
              "archive/fine/f1.bin",
              "archive/fine/f2.bin",
              "archive/flaky/f0.bin",
              "archive/flaky/f1.bin",
              "archive/flaky/f2.bin");

      // each attempt is a workflow of its own, and a user finds them all by the job's id
      String parent = JobRunWorkflow.workflowId(job, run);
      List<String> listed = temporalList("FerryJobId='" + job + "'");
      assertThat(listed).contains(parent).hasSize(1 + 3 + 1 + 3);
      assertThat(listed.stream().filter(id -> id.matches(".*-owner-[0-9a-f-]{36}")))
          .as("first attempts")
          .hasSize(3);
      assertThat(listed.stream().filter(id -> id.endsWith("-rerun-1"))).hasSize(2);
      assertThat(listed.stream().filter(id -> id.endsWith("-rerun-2"))).hasSize(1);
      assertThat(listed.stream().filter(id -> id.endsWith("-rerun-3"))).hasSize(1);

      // the run log says so too
      String log = api.get("/jobs/" + job + "/runs/" + run + "/log?limit=500").body();
      assertThat(log).contains("rerun 3 of 3 (attempt 4)");
    }
  }

  /** The workflow ids {@code temporal workflow list --query QUERY} prints, as a user runs it. */
  static List<String> temporalList(String query) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                ApiHarness.temporalBinary().toString(),
                "workflow",
                "list",
                "--address",
                h.server.temporal().address(),
                "--namespace",
                h.server.temporal().namespace(),
                "--query",
                query,
                "--output",
                "json")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    List<String> ids = new ArrayList<>();
    for (JsonNode e : ApiHarness.JSON.readTree(out.isBlank() ? "[]" : out)) {
      ids.addAll(e.path("execution").findValuesAsText("workflowId"));
    }
    return ids.stream().distinct().toList();
  }
}
