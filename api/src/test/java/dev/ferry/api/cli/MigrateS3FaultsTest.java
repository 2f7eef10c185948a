package dev.ferry.api.cli;

import static dev.ferry.activities.testing.FaultProxy.match;
import static dev.ferry.api.cli.FerryHarness.MTIME;
import static dev.ferry.api.cli.FerryHarness.assertSameTree;
import static dev.ferry.api.cli.FerryHarness.random;
import static dev.ferry.api.cli.FerryHarness.write;
import static dev.ferry.api.cli.MigrateLocalTest.report;
import static dev.ferry.api.cli.MigrateLocalTest.withOutcome;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.testing.FaultProxy;
import dev.ferry.activities.testing.S3ProxyServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry migrate} to S3 through a proxy that breaks many requests — bursts of 503 SlowDown
 * and 429 with Retry-After, 500 InternalError, connections reset mid-upload, responses held for two
 * seconds — still completes, with every byte right.
 */
class MigrateS3FaultsTest {
  private static final int BIG = (26 << 20) + 777; // 6 parts of 5 MiB, the last one small

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

  /** Folder → number of small files in it; each folder meets its own fault. */
  private static final Map<String, Integer> GROUPS = new LinkedHashMap<>();

  static {
    GROUPS.put("burst", 10); // only the 503 burst every file meets
    GROUPS.put("err", 8); // then 500 InternalError
    GROUPS.put("reset", 8); // then a connection reset mid-upload
    GROUPS.put("busy", 6); // then 429 with Retry-After: 2
    GROUPS.put("slow", 6); // then a response held for 2 s
  }

  @Test
  void aMigrationThroughBurstsOfServerErrorsThrottlingResetsAndDelaysCompletesWithRightBytes()
      throws Exception {
    Path src = dir.resolve("src");
    int files = 0;
    for (var g : GROUPS.entrySet()) {
      for (int i = 0; i < g.getValue(); i++) {
        write(
            src.resolve(g.getKey() + "/f" + i + ".bin"),
            random(500 + 997 * i, g.getKey().hashCode() + i),
            MTIME + i * 1000L);
        files++;
      }
    }
    write(src.resolve("big/large.bin"), random(BIG, 99), MTIME);
    files++;
    String bucket = "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    s3.createBucket(bucket);

    /*
     * Why this always completes: the engine makes four attempts per file, so a file fails only if
     * four of its attempts each meet a fault. Delays never fail a request (2 s is far below the
     * 60 s socket timeout). Every failing rule applies at most once per object path (perPath(1)),
     * and the rules that can fail a small file's PUT are the burst (1) and its folder's rule (1):
     * at most 2 failed attempts, so each small file is stored by its attempt 3 at the latest — and
     * exactly: burst/ and slow/ files need 2 attempts, err/, reset/ and busy/ files 3. The large
     * file meets the burst on part 1 (attempt 1), a reset on part 4 (attempt 2) and a 500 on
     * CompleteMultipartUpload (attempt 3): 3 failed attempts, stored by attempt 4. Each retry
     * continues the same multipart upload, so no part is sent twice: its bytes_sent is its size.
     * The destination listing of the scan meets one 503 and Temporal retries the scan activity.
     */
    FaultProxy.Rule listing;
    FaultProxy.Rule slowListing;
    FaultProxy.Rule burst;
    FaultProxy.Rule err;
    FaultProxy.Rule reset;
    FaultProxy.Rule busy;
    FaultProxy.Rule slow;
    FaultProxy.Rule slowPart;
    FaultProxy.Rule bigReset;
    FaultProxy.Rule bigComplete;
    Path csv = dir.resolve("report.csv");
    FerryHarness.Result r;
    try (FaultProxy proxy = FaultProxy.start(s3.endpoint())) {
      listing =
          proxy.fail(
              match("GET", "list-type=2").times(1),
              503,
              "SlowDown",
              "Please reduce your request rate.",
              "1");
      slowListing = proxy.delay(match("GET", "list-type=2").times(1), Duration.ofSeconds(2));
      burst =
          proxy.fail(
              match("PUT").perPath(1), 503, "SlowDown", "Please reduce your request rate.", "1");
      err =
          proxy.fail(
              match("PUT", "/err/").perPath(1),
              500,
              "InternalError",
              "We encountered an internal error. Please try again.",
              null);
      reset = proxy.reset(match("PUT", "/reset/").perPath(1));
      busy =
          proxy.fail(
              match("PUT", "/busy/").perPath(1),
              429,
              "TooManyRequests",
              "Please reduce your request rate.",
              "2");
      slow = proxy.delay(match("PUT", "/slow/").perPath(1), Duration.ofSeconds(2));
      slowPart =
          proxy.delay(
              match("PUT", "big/large.bin", "partNumber=2").perPath(1), Duration.ofSeconds(2));
      bigReset = proxy.reset(match("PUT", "big/large.bin", "partNumber=4").perPath(1));
      bigComplete =
          proxy.fail(
              match("POST", "big/large.bin", "uploadId=").perPath(1),
              500,
              "InternalError",
              "We encountered an internal error. Please try again.",
              null);

      r =
          ferry.ferry(
              "migrate",
              src.toString(),
              "s3://" + bucket + "/faults",
              "--s3-endpoint",
              proxy.endpoint().toString(),
              "--chunk-size",
              "5",
              "--concurrency",
              "8",
              "--report",
              csv.toString());
    }

    assertThat(r.code()).as(r.all()).isZero();
    Map<String, CSVRecord> rows = report(csv);
    assertThat(rows).hasSize(files);
    assertThat(withOutcome(rows, "transferred")).hasSize(files);
    for (var g : GROUPS.entrySet()) {
      String attempts = g.getKey().equals("burst") || g.getKey().equals("slow") ? "2" : "3";
      for (int i = 0; i < g.getValue(); i++) {
        CSVRecord row = rows.get(g.getKey() + "/f" + i + ".bin");
        assertThat(row.get("verified_by")).as(row.toString()).isEqualTo("md5-etag");
        assertThat(row.get("attempts")).as(row.toString()).isEqualTo(attempts);
      }
    }
    CSVRecord big = rows.get("big/large.bin");
    assertThat(big.get("verified_by")).isEqualTo("md5-multipart-etag");
    // Parts go out four at a time, so the 503 on part 1 and the reset of part 4 may land in the
    // same attempt (3 attempts) or in two (4 attempts); either way within the four allowed.
    assertThat(big.get("attempts")).isIn("3", "4");
    assertThat(big.get("bytes_sent")).as("no part sent twice").isEqualTo(Integer.toString(BIG));

    // Every fault was applied as planned.
    assertThat(listing.applied()).isEqualTo(1);
    assertThat(slowListing.applied()).isEqualTo(1);
    assertThat(burst.applied()).isEqualTo(files);
    assertThat(burst.appliedPaths()).isEqualTo(files);
    assertThat(err.applied()).isEqualTo(GROUPS.get("err"));
    assertThat(reset.applied()).isEqualTo(GROUPS.get("reset"));
    assertThat(busy.applied()).isEqualTo(GROUPS.get("busy"));
    assertThat(slow.applied()).isEqualTo(GROUPS.get("slow"));
    assertThat(slowPart.applied()).isEqualTo(1);
    assertThat(bigReset.applied()).isEqualTo(1);
    assertThat(bigComplete.applied()).isEqualTo(1);
    assertThat(s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();

    // The bytes S3 holds are the source's: bring them back directly and compare.
    Path back = dir.resolve("back");
    var down =
        ferry.ferry(
            "migrate",
            "s3://" + bucket + "/faults",
            back.toString(),
            "--s3-endpoint",
            s3.endpoint().toString());
    assertThat(down.code()).as(down.all()).isZero();
    assertSameTree(src, back);
  }
}
