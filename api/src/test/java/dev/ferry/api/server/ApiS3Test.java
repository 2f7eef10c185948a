package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.activities.testing.S3ProxyServer;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An {@code s3} connection (a real S3 API server, s3proxy) with its keys as the connection's
 * secret: local → S3 → local through the API, and the keys never reach the workflow history.
 */
class ApiS3Test {
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

  @Test
  void localToS3AndBackWithKeysFromTheConnection() throws Exception {
    String bucket = "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    s3.createBucket(bucket);
    Path src = dir.resolve("src");
    Files.createDirectories(src.resolve("a/b"));
    Files.writeString(src.resolve("a/b/one.txt"), "one");
    Files.write(src.resolve("two.bin"), new byte[300_000]);
    String client = api.client("S3 " + UUID.randomUUID());
    Res bad =
        api.post(
            "/clients/" + client + "/connections",
            Map.of(
                "name",
                "bad",
                "kind",
                "s3",
                "settings",
                Map.of("bucket", "Not_A_Bucket", "endpoint", "ftp://x"),
                "secret",
                Map.of("accessKeyId", "x")));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().get("fields").has("secret.secretAccessKey")).isTrue();
    Res conn =
        api.post(
            "/clients/" + client + "/connections",
            Map.of(
                "name",
                "bucket",
                "kind",
                "s3",
                "settings",
                Map.of("bucket", bucket, "prefix", "archive", "endpoint", s3.endpoint().toString()),
                "secret",
                Map.of("accessKeyId", s3.accessKey(), "secretAccessKey", s3.secretKey())));
    assertThat(conn.status()).as(conn.toString()).isEqualTo(201);
    assertThat(conn.body()).doesNotContain(s3.secretKey());
    String local = api.localConnection(client, "local", src);
    String back = api.localConnection(client, "back", dir.resolve("back"));
    String project = api.project(client, "p");

    String up = api.job(project, local, conn.id(), Map.of());
    long run = api.run(up, "FULL");
    JsonNode end = api.awaitEnd(up);
    assertThat(end.get("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
    assertThat(end.at("/lastRun/files/transferred").asLong()).isEqualTo(2);
    assertThat(
            s3.client()
                .headObject(b -> b.bucket(bucket).key("archive/a/b/one.txt"))
                .contentLength())
        .isEqualTo(3);

    String down = api.job(project, conn.id(), back, Map.of());
    api.run(down, "FULL");
    assertThat(api.awaitEnd(down).get("state").asText()).isEqualTo("COMPLETED");
    assertThat(Files.readString(dir.resolve("back/a/b/one.txt"))).isEqualTo("one");
    assertThat(Files.size(dir.resolve("back/two.bin"))).isEqualTo(300_000);

    for (String wf : h.server.api().services().launcher.workflowIds(run)) {
      String history = h.server.runtime().client().fetchHistory(wf).toJson(false);
      assertThat(history).doesNotContain(s3.secretKey()).doesNotContain(s3.accessKey());
    }
  }
}
