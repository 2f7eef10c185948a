package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.runtime.FerryMetrics;
import dev.ferry.api.server.ApiHarness.Api;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * {@code /metrics} of a real server, read by the Prometheus client library's own text-format parser
 * (Python {@code prometheus_client}, installed by scripts/setup --test), and its counters checked
 * against the reports of real runs: what a full run transferred and an incremental run found
 * unchanged, file by file and byte by byte.
 */
class MetricsTest {
  static ApiHarness h;
  static Api api;
  static String client;
  static String project;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
    client = api.client("Metrics " + UUID.randomUUID());
    project = api.project(client, "metrics");
  }

  /** One sample of the exposition: a name, its labels, and the value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  /** Scrapes {@code url} and parses it with prometheus_client; a malformed page fails here. */
  static List<Sample> scrape(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    return parse(r.body());
  }

  static List<Sample> parse(String text) throws Exception {
    Path in = Files.createTempFile("metrics-", ".txt");
    Files.writeString(in, text);
    Path python = SchemathesisTest.schemathesis().resolveSibling("python");
    Process p =
        new ProcessBuilder(
                python.toString(),
                "-c",
                """
                import json, sys
                from prometheus_client.parser import text_string_to_metric_families
                text = open(sys.argv[1], encoding="utf-8").read()
                out = [[s.name, s.labels, s.value]
                       for f in text_string_to_metric_families(text) for s in f.samples]
                print(json.dumps(out))
                """,
                in.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("prometheus_client could not parse /metrics: " + out).isZero();
    Files.delete(in);
    List<Sample> samples = new java.util.ArrayList<>();
    for (JsonNode s : ApiHarness.JSON.readTree(out)) {
      Map<String, String> labels = new HashMap<>();
      s.get(1).properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
      samples.add(new Sample(s.get(0).asText(), labels, s.get(2).asDouble()));
    }
    return samples;
  }

  /** The sum of the samples named {@code name} whose labels include {@code labels}. */
  static double value(List<Sample> samples, String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .filter(s -> s.labels().entrySet().containsAll(labels.entrySet()))
        .mapToDouble(Sample::value)
        .sum();
  }

  static String metricsUrl() {
    return h.base().replaceAll("/api/v1$", "") + "/metrics";
  }

  private static Map<String, String> localToLocal(String outcome) {
    return Map.of("outcome", outcome, "source", "local", "destination", "local");
  }

  private String job(Path src, Path dst) {
    String s = api.localConnection(client, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(client, "dst " + UUID.randomUUID(), dst);
    return api.job(project, s, d, Map.of());
  }

  private List<CSVRecord> report(String job, long run) throws IOException {
    return ApiRunTest.csv(api.get("/jobs/" + job + "/runs/" + run + "/report.csv").body());
  }

  @Test
  void countersAddUpToTheRunsReportsAndTheServersGaugesAndTemporalsMetricsAreThere()
      throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int i = 0; i < 9; i++) {
      ApiRunTest.write(src.resolve("d" + (i % 2) + "/f" + i + ".bin"), 1000 + i * 7, i);
    }
    String job = job(src, dst);

    List<Sample> before = scrape(metricsUrl());
    long full = api.run(job, "FULL");
    assertThat(api.awaitEnd(job).get("state").asText()).isEqualTo("COMPLETED");
    List<Sample> afterFull = scrape(metricsUrl());
    List<CSVRecord> rows = report(job, full);
    long transferred = rows.stream().filter(r -> r.get("outcome").equals("transferred")).count();
    long bytes =
        rows.stream()
            .filter(r -> r.get("outcome").equals("transferred"))
            .mapToLong(r -> Long.parseLong(r.get("size")))
            .sum();
    assertThat(transferred).isEqualTo(9); // the report lists files, not folders
    assertThat(
            value(afterFull, "ferry_files_total", localToLocal("transferred"))
                - value(before, "ferry_files_total", localToLocal("transferred")))
        .isEqualTo(transferred);
    assertThat(
            value(afterFull, "ferry_files_size_bytes_total", localToLocal("transferred"))
                - value(before, "ferry_files_size_bytes_total", localToLocal("transferred")))
        .isEqualTo(bytes);
    assertThat(
            value(afterFull, "ferry_scanned_entries_total", Map.of("source", "local"))
                - value(before, "ferry_scanned_entries_total", Map.of("source", "local")))
        .isEqualTo(9);

    long incremental = api.run(job, "INCREMENTAL");
    assertThat(api.awaitEnd(job).get("state").asText()).isEqualTo("COMPLETED");
    List<Sample> afterIncremental = scrape(metricsUrl());
    long unchanged =
        report(job, incremental).stream().filter(r -> r.get("outcome").equals("unchanged")).count();
    assertThat(unchanged).isPositive();
    assertThat(
            value(afterIncremental, "ferry_files_total", localToLocal("unchanged"))
                - value(afterFull, "ferry_files_total", localToLocal("unchanged")))
        .isEqualTo(unchanged);
    assertThat(
            value(afterIncremental, "ferry_files_total", localToLocal("transferred"))
                - value(afterFull, "ferry_files_total", localToLocal("transferred")))
        .isZero();

    // what only the server knows, and the Temporal SDK's own figures
    assertThat(afterIncremental)
        .extracting(Sample::name)
        .contains("ferry_files_pending", "ferry_agents_online", "ferry_agents")
        .anyMatch(n -> n.startsWith("temporal_"))
        .anyMatch(n -> n.startsWith("jvm_memory_used_bytes"));
    assertThat(afterIncremental)
        .filteredOn(s -> s.name().equals("ferry_runs"))
        .extracting(s -> s.labels().get("state"))
        .contains("running", "paused", "scanning");
  }

  @Test
  void workersAgentsAndMigrateServeTheirOwnMetricsOnTheAddressGiven() throws Exception {
    com.sun.net.httpserver.HttpServer s = FerryMetrics.serve("127.0.0.1:0");
    try {
      List<Sample> samples = scrape("http://127.0.0.1:" + s.getAddress().getPort() + "/metrics");
      assertThat(samples).extracting(Sample::name).anyMatch(n -> n.startsWith("jvm_"));
      HttpResponse<String> post =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + s.getAddress().getPort() + "/metrics"))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
    } finally {
      s.stop(0);
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> FerryMetrics.serve("nine"))
        .hasMessageContaining("use host:port, :port or a port");
  }
}
