package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.assertSameTree;
import static dev.ferry.api.cli.FerryHarness.awkwardTree;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.testing.AzuriteServer;
import dev.ferry.activities.testing.GraphDriveFake;
import dev.ferry.activities.testing.S3ProxyServer;
import dev.ferry.activities.testing.SftpTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One tree through every connector in turn — local → S3 → Azure → SFTP → OneDrive → local — with
 * the real command and real servers (for OneDrive, the real Graph SDK against the Graph drive fake,
 * the one API no real server is reachable for); the bytes at the end are those at the start.
 */
class CrossProviderTest {
  @TempDir static Path home;
  @TempDir static Path sftpRoot;
  static FerryHarness ferry;
  static SftpTestServer sftp;
  static S3ProxyServer s3;
  static GraphDriveFake graph;
  @TempDir Path dir;

  @BeforeAll
  static void up() throws Exception {
    ferry = new FerryHarness(home);
    s3 = S3ProxyServer.shared();
    sftp = SftpTestServer.start(sftpRoot);
    ferry.env.put("AWS_ACCESS_KEY_ID", s3.accessKey());
    ferry.env.put("AWS_SECRET_ACCESS_KEY", s3.secretKey());
    ferry.env.putAll(AzuriteServer.get().env());
    ferry.env.putAll(sftp.keyEnv());
    graph = GraphDriveFake.start();
    ferry.env.putAll(graph.env());
  }

  @AfterAll
  static void down() throws Exception {
    sftp.close();
    graph.close();
    ferry.close();
  }

  @Test
  void aTreeSurvivesEveryConnectorByteForByte() throws Exception {
    Path src = dir.resolve("src");
    Path end = dir.resolve("end");
    awkwardTree(src);
    String bucket = "x" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    s3.createBucket(bucket);
    String user = "u" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
    graph.addUser(user);
    List<String> chain =
        List.of(
            src.toString(),
            "s3://" + bucket + "/hop1",
            "azure://c" + UUID.randomUUID().toString().substring(0, 8) + "/hop2",
            sftp.uri("/hop3").toString(),
            "onedrive://" + user + "/hop4",
            end.toString());
    for (int i = 0; i + 1 < chain.size(); i++) {
      var r =
          ferry.ferry(
              "migrate",
              chain.get(i),
              chain.get(i + 1),
              "--chunk-size",
              "5",
              "--s3-endpoint",
              s3.endpoint().toString());
      assertThat(r.code()).as(chain.get(i) + " -> " + chain.get(i + 1) + ": " + r.all()).isZero();
      assertThat(r.out()).contains("0 failed");
    }
    Files.createDirectories(end.resolve("empty folder/inner")); // object stores keep no folders
    assertSameTree(src, end);
  }
}
