package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.MTIME;
import static dev.ferry.api.cli.FerryHarness.assertSameTree;
import static dev.ferry.api.cli.FerryHarness.awkwardTree;
import static dev.ferry.api.cli.MigrateLocalTest.report;
import static dev.ferry.api.cli.MigrateLocalTest.withOutcome;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.testing.FaultProxy;
import dev.ferry.activities.testing.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry migrate} to, from and between S3 buckets on a real S3 API server (s3proxy). */
class MigrateS3Test {
  @TempDir static Path home;
  static FerryHarness ferry;
  static S3ProxyServer s3;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    ferry = new FerryHarness(home);
    s3 = S3ProxyServer.shared();
    ferry.env.put("AWS_ACCESS_KEY_ID", s3.accessKey());
    ferry.env.put("AWS_SECRET_ACCESS_KEY", s3.secretKey());
  }

  @AfterAll
  static void down() throws Exception {
    ferry.close();
  }

  static String bucket() {
    String b = "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    s3.createBucket(b);
    return b;
  }

  FerryHarness.Result migrate(String src, String dst, String endpoint, String... extra) {
    String[] args = new String[5 + extra.length];
    args[0] = "migrate";
    args[1] = src;
    args[2] = dst;
    args[3] = "--s3-endpoint";
    args[4] = endpoint;
    System.arraycopy(extra, 0, args, 5, extra.length);
    return ferry.ferry(args);
  }

  @Test
  void localToS3ToLocalRoundTripKeepsBytesAndTimes() throws Exception {
    Path src = dir.resolve("src");
    Path back = dir.resolve("back");
    awkwardTree(src);
    String b = bucket();
    String ep = s3.endpoint().toString();
    Path up = dir.resolve("up.csv");
    var r1 =
        migrate(
            src.toString(),
            "s3://" + b + "/data/set",
            ep,
            "--chunk-size",
            "5",
            "--report",
            up.toString());
    assertThat(r1.code()).as(r1.all()).isZero();
    Map<String, CSVRecord> rows = report(up);
    assertThat(rows.get("big/large.bin").get("verified_by")).isEqualTo("md5-multipart-etag");
    assertThat(rows.get("top.txt").get("verified_by")).isEqualTo("md5-etag");
    assertThat(withOutcome(rows, "transferred")).hasSize(rows.size());

    var r2 = migrate("s3://" + b + "/data/set", back.toString(), ep);
    assertThat(r2.code()).as(r2.all()).isZero();
    Files.createDirectories(back.resolve("empty folder/inner")); // S3 has no folders to bring back
    assertSameTree(src, back);
    assertThat(Files.getLastModifiedTime(back.resolve("a/b/c/deep.bin")).toMillis())
        .isEqualTo(MTIME);
    assertThat(Files.getLastModifiedTime(back.resolve("many/f5.txt")).toMillis())
        .isEqualTo(MTIME + 5000);
  }

  @Test
  void s3ToS3AndIncrementalRuns() throws Exception {
    Path src = dir.resolve("src");
    awkwardTree(src);
    String a = bucket();
    String b = bucket();
    String ep = s3.endpoint().toString();
    assertThat(migrate(src.toString(), "s3://" + a, ep).code()).isZero();
    var copy = migrate("s3://" + a, "s3://" + b + "/copy", ep);
    assertThat(copy.code()).as(copy.all()).isZero();
    var again = migrate("s3://" + a, "s3://" + b + "/copy", ep);
    assertThat(again.out()).contains("0 transferred");
    Path back = dir.resolve("back");
    assertThat(migrate("s3://" + b + "/copy", back.toString(), ep).code()).isZero();
    Files.createDirectories(back.resolve("empty folder/inner"));
    assertSameTree(src, back);
  }

  @Test
  void aTransientlyFailingFileIsRetriedAndAPermanentlyFailingOneIsReported() throws Exception {
    Path src = dir.resolve("src");
    awkwardTree(src);
    String b = bucket();
    try (FaultProxy proxy = FaultProxy.start(s3.endpoint())) {
      var slow =
          proxy.failNext(
              2, "many/f3.txt", 503, "SlowDown", "Please reduce your request rate.", "1");
      var denied = proxy.failNext(10, "many/f4.txt", 403, "AccessDenied", "Access Denied", null);
      Path csv = dir.resolve("r.csv");
      var r =
          migrate(
              src.toString(), "s3://" + b, proxy.endpoint().toString(), "--report", csv.toString());
      assertThat(r.code()).as(r.all()).isEqualTo(Ferry.EXIT_FAILED);
      assertThat(r.out()).contains("1 failed").contains("many/f4.txt: ");
      assertThat(r.out().toLowerCase()).contains("access denied");
      Map<String, CSVRecord> rows = report(csv);
      assertThat(rows.get("many/f3.txt").get("outcome")).isEqualTo("transferred");
      assertThat(rows.get("many/f3.txt").get("attempts")).isEqualTo("3");
      assertThat(slow.applied()).isEqualTo(2);
      assertThat(rows.get("many/f4.txt").get("outcome")).isEqualTo("failed");
      assertThat(rows.get("many/f4.txt").get("attempts")).isEqualTo("1");
      assertThat(denied.applied()).isEqualTo(1); // not retried
      assertThat(withOutcome(rows, "transferred")).hasSize(rows.size() - 1);
    }
  }

  @Test
  void dryRunListsPathsTheDestinationWouldRefuseAndWritesNothing() throws Exception {
    Path src = dir.resolve("src");
    awkwardTree(src);
    Path deep = src;
    for (int i = 0; i < 5; i++) {
      deep = deep.resolve("x".repeat(240));
    }
    FerryHarness.write(deep.resolve("too-long.txt"), new byte[] {1, 2, 3}, MTIME);
    String b = bucket();
    var r = migrate(src.toString(), "s3://" + b + "/p", s3.endpoint().toString(), "--dry-run");
    assertThat(r.code()).as(r.all()).isEqualTo(Ferry.EXIT_FAILED);
    assertThat(r.out())
        .contains("Dry run finished")
        .contains("Problems found:")
        .contains("too-long.txt: refused: the path is longer than the destination's limit");
    assertThat(MigrateLocalTest.summaryCounts(r.out()))
        .containsEntry("found", (long) FerryHarness.files(src).size())
        .containsEntry("would transfer", (long) FerryHarness.files(src).size() - 1)
        .containsEntry("would fail", 1L);
    assertThat(s3.client().listObjectsV2(q -> q.bucket(b)).contents()).isEmpty();

    // the real run refuses the same file, copies the others and says it completed with errors
    Path csv = dir.resolve("r.csv");
    var run =
        migrate(
            src.toString(),
            "s3://" + b + "/p",
            s3.endpoint().toString(),
            "--report",
            csv.toString());
    assertThat(run.code()).as(run.all()).isEqualTo(Ferry.EXIT_FAILED);
    assertThat(run.out()).contains("Completed with errors in");
    Map<String, Long> n = MigrateLocalTest.summaryCounts(run.out());
    assertThat(n.get("found"))
        .isEqualTo(n.get("transferred") + n.get("unchanged") + n.get("skipped") + n.get("failed"));
    assertThat(n).containsEntry("failed", 1L);
    assertThat(java.nio.file.Files.readString(csv)).contains("state COMPLETED_WITH_ERRORS");
  }

  @Test
  void credentialsTheStoreRefusesAreAConfigurationErrorFoundAtRunTime() throws Exception {
    Path src = dir.resolve("src");
    FerryHarness.write(src.resolve("a.txt"), new byte[] {1, 2, 3}, MTIME);
    String b = bucket();
    String secret = ferry.env.put("AWS_SECRET_ACCESS_KEY", "not-the-secret");
    try {
      var r = migrate(src.toString(), "s3://" + b + "/p", s3.endpoint().toString());
      assertThat(r.code()).as(r.all()).isEqualTo(Ferry.EXIT_USAGE);
      assertThat(r.out())
          .contains("Failed in")
          .contains("Reason: scan failed:")
          .contains("exit code 2")
          .doesNotContain("success rate");
    } finally {
      ferry.env.put("AWS_SECRET_ACCESS_KEY", secret);
    }
  }

  @Test
  void aStoreThatDoesNotAnswerIsRetriedVisiblyAndTheRunGivesUpAfterItsRetries() throws Exception {
    Path src = dir.resolve("src");
    FerryHarness.write(src.resolve("a.txt"), new byte[] {1, 2, 3}, MTIME);
    int closed;
    try (var s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort(); // nothing listens there once it is closed
    }
    var r =
        migrate(src.toString(), "s3://bucket/p", "http://127.0.0.1:" + closed, "--retries", "2");
    assertThat(r.code()).as(r.all()).isEqualTo(Ferry.EXIT_FAILED);
    assertThat(r.out())
        .containsPattern(
            "Retrying the scan: attempt [23] of 3 (in [0-9]+ s|running); the last one"
                + " failed: network error while listing s3://bucket/p")
        .contains("Failed in")
        .contains("Reason: scan failed: network error while listing s3://bucket/p")
        .doesNotContain("success rate");
    // the run's log says what was retried, for the API and the report
    List<String> retries =
        ferry
            .db
            .catalog()
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select e.detail from run_events e join runs r on r.id = e.run_id"
                                + " join jobs j on j.id = r.job_id where j.source_uri = ?"
                                + " and e.event = 'retry' order by e.id")
                        .bind(0, dev.ferry.activities.storage.Locations.canonical(src.toString()))
                        .mapTo(String.class)
                        .list());
    assertThat(retries).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(retries.get(i))
          .startsWith("the scan failed (attempt " + (i + 1) + " of 3): ")
          .contains("network error while listing s3://bucket/p")
          .endsWith(i < 2 ? "Temporal tries it again with backoff" : "that was the last attempt");
    }
  }
}
