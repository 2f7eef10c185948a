package dev.ferry.activities.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.testing.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ferry and rclone read each other's modification times from S3 (the {@code mtime} metadata).
 * Skipped when rclone is not installed.
 */
class S3RcloneInteropTest {
  private final S3ProxyServer server = S3ProxyServer.shared();
  @TempDir Path dir;

  private static boolean rcloneInstalled() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String d : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, "rclone"))) {
        return true;
      }
    }
    return false;
  }

  private String rclone(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("rclone", "--config", "", "--quiet"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.remove("AWS_CA_BUNDLE"); // rclone refuses plain-http endpoints with it set
    env.put("RCLONE_S3_PROVIDER", "Other");
    env.put("RCLONE_S3_ACCESS_KEY_ID", server.accessKey());
    env.put("RCLONE_S3_SECRET_ACCESS_KEY", server.secretKey());
    env.put("RCLONE_S3_ENDPOINT", server.endpoint().toString());
    env.put("RCLONE_S3_REGION", "us-east-1");
    env.put("RCLONE_S3_FORCE_PATH_STYLE", "true");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("rclone %s: %s", command, text).isZero();
    return text;
  }

  @Test
  void rcloneAndFerryReadEachOthersModificationTimes() throws Exception {
    assumeTrue(rcloneInstalled(), "rclone is not installed");
    String bucket = "ferry-rclone";
    server.createBucket(bucket);
    try (Storage s = new S3Storage(server.settings(bucket, "p"))) {
      byte[] data = "from ferry".getBytes(StandardCharsets.UTF_8);
      s.write(
          "from-ferry.txt",
          Entry.file("from-ferry.txt", data.length, 1_500_000_000_123L),
          new ByteArrayInputStream(data),
          new Storage.WriteOptions(true, 5L << 20));
      JsonNode listed =
          new ObjectMapper().readTree(rclone("lsjson", "--files-only", ":s3:" + bucket + "/p"));
      assertThat(listed).hasSize(1);
      assertThat(Instant.parse(listed.get(0).get("ModTime").asText()))
          .isEqualTo(Instant.ofEpochMilli(1_500_000_000_123L));

      Path local = dir.resolve("from-rclone.txt");
      Files.writeString(local, "from rclone");
      Files.setLastModifiedTime(local, FileTime.fromMillis(1_400_000_000_789L));
      rclone("copyto", local.toString(), ":s3:" + bucket + "/p/from-rclone.txt");
      assertThat(s.stat("from-rclone.txt"))
          .contains(Entry.file("from-rclone.txt", 11, 1_400_000_000_789L));
    }
  }
}
