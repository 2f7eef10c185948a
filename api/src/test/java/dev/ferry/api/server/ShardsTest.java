package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large owner split into shards along its folder tree, each its own child workflow, on the real
 * stack (PostgreSQL, the Temporal dev server, local files) with a small threshold: the scan report
 * shows the split, the shards' union is exactly the owner (every file copied once, none missed),
 * the shards' workflows are found by {@code FerryKind='shard'}, and a rerun copies nothing.
 */
class ShardsTest {
  static ApiHarness h;
  static Api api;
  static String client;
  static String project;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    ApiRunTest.h = h; // its temporalList runs the Temporal CLI against this harness's server
    api = h.admin;
    client = api.client("Shards " + UUID.randomUUID());
    project = api.project(client, "shards");
  }

  String job(Path src, Path dst, Map<String, Object> extra) {
    String s = api.localConnection(client, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(client, "dst " + UUID.randomUUID(), dst);
    return api.job(project, s, d, extra);
  }

  /** 8 folders of 15 files (one with a subfolder), and 6 files at the root: 135 items. */
  static int tree(Path src) throws IOException {
    int files = 0;
    for (int d = 0; d < 8; d++) {
      for (int f = 0; f < 15; f++) {
        String sub = d == 3 && f >= 10 ? "/inner" : "";
        ApiRunTest.write(
            src.resolve(String.format("team%d%s/doc%02d.bin", d, sub, f)),
            100 + d * 10 + f,
            d * 100L + f);
        files++;
      }
    }
    for (int f = 0; f < 6; f++) {
      ApiRunTest.write(src.resolve("root" + f + ".txt"), 50 + f, 1000 + f);
      files++;
    }
    return files;
  }

  static Map<String, byte[]> contents(Path root) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(root.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return out;
  }

  @Test
  void aLargeOwnerIsSplitIntoShardsWhoseUnionIsTheOwner() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    int files = tree(src);
    String job = job(src, dst, Map.of("options", Map.of("shards", Map.of("items", 50))));

    // the scan report shows the owner's split: shards of at most 50 items, along folders
    long scan = api.run(job, "DRY_RUN");
    assertThat(api.awaitEnd(job).get("state").asText()).isEqualTo("READY");
    JsonNode owner =
        api.get("/jobs/" + job + "/runs/" + scan + "/report").json().at("/run/owners/0");
    JsonNode planned = owner.get("shards");
    assertThat(planned).as(owner.toString()).isNotNull();
    assertThat(planned.size()).isBetween(3, 4);
    long items = 0;
    for (JsonNode s : planned) {
      assertThat(s.get("items").asLong()).isLessThanOrEqualTo(50);
      assertThat(s.get("overThreshold").asBoolean()).isFalse();
      assertThat(s.get("of").asInt()).isEqualTo(planned.size());
      items += s.get("items").asLong();
    }
    assertThat(items).isEqualTo(owner.get("items").asLong()); // 135: 126 files and 9 folders
    assertThat(planned.get(0).get("firstPath").asText()).isEqualTo("root0.txt");
    assertThat(planned.get(planned.size() - 1).get("lastPath").asText())
        .isEqualTo("team7/doc14.bin");
    assertThat(dst).doesNotExist();

    // the full run: each shard its own child workflow, the destination equal to the source
    long run = api.run(job, "FULL");
    JsonNode end = api.awaitEnd(job);
    assertThat(end.get("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
    assertThat(end.at("/lastRun/files/transferred").asLong()).isEqualTo(files);
    Map<String, byte[]> expected = contents(src);
    Map<String, byte[]> copied = contents(dst);
    assertThat(copied.keySet()).containsExactlyElementsOf(expected.keySet());
    expected.forEach((k, v) -> assertThat(copied.get(k)).as(k).isEqualTo(v));

    JsonNode ownerRun = api.get("/jobs/" + job + "/runs/" + run).json().at("/owners/0");
    JsonNode shards = ownerRun.get("shards");
    assertThat(shards).as(ownerRun.toString()).isNotNull();
    List<String> shardWorkflows = new ArrayList<>();
    long copiedByShards = 0;
    long filesInShards = 0;
    for (JsonNode s : shards) {
      assertThat(s.get("state").asText()).isEqualTo("COMPLETED");
      shardWorkflows.add(s.get("workflowId").asText());
      copiedByShards += s.get("filesDone").asLong();
      filesInShards += s.get("files").asLong();
    }
    // no file missed, none copied twice: the shards' files add up to the owner's, each shard
    // copied its own, and the report lists every path once, transferred
    assertThat(filesInShards).isEqualTo(files);
    assertThat(copiedByShards).isEqualTo(files);
    List<CSVRecord> rows =
        ApiRunTest.csv(api.get("/jobs/" + job + "/runs/" + run + "/report.csv").body());
    Map<String, Integer> seen = new HashMap<>();
    rows.forEach(r -> seen.merge(r.get("path"), 1, Integer::sum));
    assertThat(seen).hasSize(files).allSatisfy((p, n) -> assertThat(n).as(p).isEqualTo(1));
    assertThat(rows).allSatisfy(r -> assertThat(r.get("outcome")).isEqualTo("transferred"));

    // the shards' workflows: children of the owner's, kind shard, named after it
    String ownerWorkflow = h.server.api().services().launcher.workflowIds(run).getFirst();
    assertThat(shardWorkflows).allSatisfy(w -> assertThat(w).startsWith(ownerWorkflow + "-shard-"));
    ApiHarness.await(
        Duration.ofSeconds(10),
        () ->
            ApiRunTest.temporalList("FerryJobId='" + job + "' AND FerryKind='shard'").size()
                == shardWorkflows.size());
    assertThat(ApiRunTest.temporalList("FerryJobId='" + job + "' AND FerryKind='shard'"))
        .containsExactlyInAnyOrderElementsOf(shardWorkflows);
    String summary =
        h.server
            .runtime()
            .client()
            .newUntypedWorkflowStub(shardWorkflows.getFirst())
            .describe()
            .getStaticSummary();
    assertThat(summary).startsWith("shard 1 of " + shards.size() + ": root0.txt … ");

    // an incremental rerun copies nothing
    api.run(job, "INCREMENTAL");
    JsonNode again = api.awaitEnd(job);
    assertThat(again.get("state").asText()).isEqualTo("COMPLETED");
    assertThat(again.at("/lastRun/files/transferred").asLong()).isZero();
    assertThat(again.at("/lastRun/files/unchanged").asLong()).isEqualTo(files);
  }

  @Test
  void explicitSplitPointsAreValidatedAndUsed() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    tree(src);
    String s = api.localConnection(client, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(client, "dst " + UUID.randomUUID(), dst);
    Map<String, Object> body = new HashMap<>();
    body.put("name", "bad split");
    body.put("source", Map.of("connectionId", s, "path", ""));
    body.put("destination", Map.of("connectionId", d, "path", ""));
    body.put("options", Map.of("shards", Map.of("splitAt", List.of("team4", "../etc"))));
    Res bad = api.post("/projects/" + project + "/jobs", body);
    assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
    assertThat(bad.body()).contains("options.shards.splitAt[1]").contains("'..'");

    String job =
        job(src, dst, Map.of("options", Map.of("shards", Map.of("splitAt", List.of("team4")))));
    long run = api.run(job, "FULL");
    assertThat(api.awaitEnd(job).get("state").asText()).isEqualTo("COMPLETED");
    JsonNode shards = api.get("/jobs/" + job + "/runs/" + run).json().at("/owners/0/shards");
    assertThat(ApiHarness.each(shards, "firstPath")).containsExactly("root0.txt", "team4");
    assertThat(contents(dst).keySet()).containsExactlyElementsOf(contents(src).keySet());
  }
}
