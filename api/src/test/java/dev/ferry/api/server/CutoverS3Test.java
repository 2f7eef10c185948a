package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.activities.testing.S3ProxyServer;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The cloud cutover end to end: the real server, Temporal dev server and PostgreSQL, a local source
 * and an S3 destination (s3proxy). Rounds converge as the source changes; the switch is refused
 * until a verification passes; the gate checks every object by its ETag without downloading it,
 * names an object replaced at the destination (same size, other bytes) and a source file written
 * after the freeze; a second freeze mends the latter and the switch goes through.
 */
class CutoverS3Test {
  static ApiHarness h;
  static Api api;
  static S3ProxyServer s3;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
    s3 = S3ProxyServer.shared();
  }

  JsonNode cutover(String job) {
    Res r = api.get("/jobs/" + job + "/cutover");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  JsonNode awaitCutover(String job, Predicate<JsonNode> cond) {
    JsonNode[] last = new JsonNode[1];
    try {
      ApiHarness.await(
          Duration.ofSeconds(120),
          () -> {
            last[0] = cutover(job);
            return cond.test(last[0]);
          });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the cutover last read " + last[0], e);
    }
    return last[0];
  }

  static Predicate<JsonNode> checked(String state, int number) {
    return x ->
        x.get("state").asText().equals(state)
            && x.has("lastCheck")
            && x.at("/lastCheck/number").asInt() == number;
  }

  Res step(String job, String step) {
    return api.post("/jobs/" + job + "/cutover/" + step, Map.of());
  }

  @Test
  void aCutoverToS3ConvergesIsGatedByEtagsAndNamesLateChanges() throws Exception {
    String bucket = "cut" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    s3.createBucket(bucket);
    Path src = dir.resolve("src");
    for (int i = 0; i < 12; i++) {
      ApiRunTest.write(src.resolve("share/f" + i + ".bin"), 20_000 + i, i);
    }
    String client = api.client("Cutover S3 " + UUID.randomUUID());
    String project = api.project(client, "cloud cutover");
    Res conn =
        api.post(
            "/clients/" + client + "/connections",
            Map.of(
                "name",
                "bucket",
                "kind",
                "s3",
                "settings",
                Map.of("bucket", bucket, "prefix", "files", "endpoint", s3.endpoint().toString()),
                "secret",
                Map.of("accessKeyId", s3.accessKey(), "secretAccessKey", s3.secretKey())));
    assertThat(conn.status()).as(conn.toString()).isEqualTo(201);
    String local = api.localConnection(client, "share", src);
    String job = api.job(project, local, conn.id(), Map.of());

    Res started =
        api.post("/jobs/" + job + "/cutover", Map.of("readyWhenDeltaBelow", Map.of("files", 2)));
    assertThat(started.status()).as(started.toString()).isEqualTo(201);
    JsonNode c =
        awaitCutover(job, x -> x.get("rounds").size() == 1 && x.at("/rounds/0").has("endedAt"));
    assertThat(c.at("/rounds/0/mode").asText()).isEqualTo("FULL");
    assertThat(c.at("/rounds/0/filesCopied").asLong()).isEqualTo(12);
    assertThat(c.get("ready").asBoolean()).isFalse();
    Res early = step(job, "switch");
    assertThat(early.status()).isEqualTo(409);
    assertThat(early.body()).contains("cannot switch before a verification passes");

    // the source changes between rounds: the deltas shrink
    for (int i = 0; i < 4; i++) {
      ApiRunTest.write(src.resolve("share/f" + i + ".bin"), 30_000 + i, 100 + i);
    }
    assertThat(step(job, "round").status()).isEqualTo(200);
    c = awaitCutover(job, x -> x.get("rounds").size() == 2 && x.at("/rounds/1").has("endedAt"));
    assertThat(c.at("/rounds/1/filesCopied").asLong()).isEqualTo(4);
    assertThat(c.get("ready").asBoolean()).isFalse();
    ApiRunTest.write(src.resolve("share/new.bin"), 700, 7);
    assertThat(step(job, "round").status()).isEqualTo(200);
    c = awaitCutover(job, x -> x.get("rounds").size() == 3 && x.at("/rounds/2").has("endedAt"));
    assertThat(c.at("/rounds/2/filesCopied").asLong()).isEqualTo(1);
    assertThat(c.get("ready").asBoolean()).as(c.toString()).isTrue();

    // freeze: the final round, then the gate passes, every object checked by its ETag
    assertThat(step(job, "freeze").status()).isEqualTo(200);
    c = awaitCutover(job, checked("verified", 1));
    assertThat(c.at("/lastCheck/filesCompared").asLong()).isEqualTo(13);
    assertThat(c.at("/lastCheck/checkedBy").asText()).isEqualTo("13 by md5 (S3 ETag)");

    // an object replaced at the destination by other bytes of the same size is named
    byte[] original = Files.readAllBytes(src.resolve("share/f9.bin"));
    byte[] other = original.clone();
    other[123] ^= 0x5a;
    s3.client()
        .putObject(b -> b.bucket(bucket).key("files/share/f9.bin"), RequestBody.fromBytes(other));
    assertThat(step(job, "verify").status()).isEqualTo(200);
    c = awaitCutover(job, checked("verification_failed", 2));
    assertThat(c.at("/lastCheck/byKind/content").asLong()).isEqualTo(1);
    assertThat(c.at("/lastCheck/checkedBy").asText())
        .isEqualTo("12 by md5 (S3 ETag), 1 by md5 read back (S3 ETag differs)");
    JsonNode diffs = api.get("/jobs/" + job + "/cutover/differences").json();
    assertThat(diffs.at("/differences/0/path").asText()).isEqualTo("share/f9.bin");
    assertThat(diffs.at("/differences/0/kind").asText()).isEqualTo("content");
    assertThat(diffs.at("/differences/0/checkedBy").asText())
        .isEqualTo("md5 read back (S3 ETag differs)");
    Res refused = step(job, "switch");
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.body()).contains("cannot switch: the last verification found 1 difference");
    String csv = api.get("/jobs/" + job + "/cutover/differences.csv").body();
    assertThat(csv)
        .startsWith("path,kind,detail,checked_by")
        .contains("share/f9.bin,content,")
        .contains(",md5 read back (S3 ETag differs)");

    // put right at the destination; then a source file is written after the freeze: named
    s3.client()
        .putObject(
            b -> b.bucket(bucket).key("files/share/f9.bin"), RequestBody.fromBytes(original));
    ApiRunTest.write(src.resolve("share/f5.bin"), 20_005, 555); // same size, other bytes
    Files.setLastModifiedTime(
        src.resolve("share/f5.bin"), FileTime.from(Instant.now().plusSeconds(5)));
    assertThat(step(job, "verify").status()).isEqualTo(200);
    c = awaitCutover(job, checked("verification_failed", 3));
    diffs = api.get("/jobs/" + job + "/cutover/differences").json();
    assertThat(diffs.get("differences").findValuesAsText("path")).containsOnly("share/f5.bin");
    assertThat(diffs.get("differences").findValuesAsText("kind"))
        .containsExactlyInAnyOrder("changed_since_freeze", "content");
    assertThat(step(job, "switch").status()).isEqualTo(409);

    // frozen again: the final round copies the change, the gate passes, the switch goes through
    Files.setLastModifiedTime(
        src.resolve("share/f5.bin"), FileTime.from(Instant.now().minusSeconds(60)));
    assertThat(step(job, "freeze").status()).isEqualTo(200);
    c = awaitCutover(job, checked("verified", 4));
    assertThat(c.at("/rounds/4/filesCopied").asLong()).isEqualTo(1);
    assertThat(c.at("/lastCheck/checkedBy").asText()).isEqualTo("13 by md5 (S3 ETag)");
    Res switched = step(job, "switch");
    assertThat(switched.status()).as(switched.toString()).isEqualTo(200);
    awaitCutover(job, x -> x.get("state").asText().equals("fallback"));
    assertThat(
            s3.client()
                .getObjectAsBytes(b -> b.bucket(bucket).key("files/share/f5.bin"))
                .asByteArray())
        .isEqualTo(Files.readAllBytes(src.resolve("share/f5.bin")));
  }
}
