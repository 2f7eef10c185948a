package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.MTIME;
import static dev.ferry.api.cli.FerryHarness.assertSameTree;
import static dev.ferry.api.cli.FerryHarness.random;
import static dev.ferry.api.cli.FerryHarness.write;
import static dev.ferry.api.cli.MigrateLocalTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.catalog.RunRow;
import dev.ferry.activities.storage.Locations;
import dev.ferry.activities.testing.S3ProxyServer;
import dev.ferry.workflows.JobState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.Part;

/**
 * {@code ferry migrate} to S3 killed with SIGKILL in the middle of a large file's multipart upload:
 * the same command run again resumes the run and continues that upload, sending only the parts the
 * server does not hold yet.
 */
class MigrateS3ResumeTest {
  private static final long PART = 5L << 20;
  private static final int BIG = (60 << 20) + 4321; // 13 parts of 5 MiB, the last one small

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

  private RunRow latestRun(Path src) {
    String canonical = Locations.canonical(src.toString());
    return ferry
        .db
        .catalog()
        .jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select r.id from runs r join jobs j on j.id = r.job_id where j.source_uri = ? order by r.id desc limit 1")
                    .bind(0, canonical)
                    .mapTo(Long.class)
                    .findOne())
        .map(id -> ferry.db.catalog().run(id))
        .orElse(null);
  }

  /** The bytes of {@code path} the destination accepted in the run, as the manifest says. */
  private long bytesSent(long runId, String path) {
    return ferry
        .db
        .catalog()
        .jdbi()
        .withHandle(
            h ->
                h.createQuery("select bytes_sent from run_files where run_id = ? and path = ?")
                    .bind(0, runId)
                    .bind(1, path)
                    .mapTo(Long.class)
                    .one());
  }

  /** The full-size parts s3proxy holds for the unfinished upload of {@code key}. */
  private List<Part> storedParts(String bucket, String key) {
    List<MultipartUpload> uploads =
        s3.client().listMultipartUploads(r -> r.bucket(bucket).prefix(key)).uploads().stream()
            .filter(u -> u.key().equals(key))
            .toList();
    if (uploads.isEmpty()) {
      return List.of();
    }
    assertThat(uploads).as("unfinished uploads of " + key).hasSize(1);
    return s3
        .client()
        .listParts(r -> r.bucket(bucket).key(key).uploadId(uploads.get(0).uploadId()))
        .parts()
        .stream()
        .filter(p -> p.size() == PART)
        .toList();
  }

  @Test
  void afterKillMinus9TheLargeFilesUploadIsContinuedNotStartedAgain() throws Exception {
    Path src = dir.resolve("src");
    write(src.resolve("big/huge.bin"), random(BIG, 60), MTIME);
    for (int i = 0; i < 5; i++) {
      write(src.resolve("small/s" + i + ".txt"), random(1000 + i, i), MTIME);
    }
    String bucket = "b" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    s3.createBucket(bucket);
    String dest = "s3://" + bucket + "/up";
    // 40 Mbps = 5 MB/s: the 63 MB file takes about 13 s, a part about one second.
    String[] args = {
      "migrate",
      src.toString(),
      dest,
      "--s3-endpoint",
      s3.endpoint().toString(),
      "--chunk-size",
      "5",
      "--bwlimit",
      "40"
    };

    Process first = ferry.start(dir.resolve("first.log"), args);
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (storedParts(bucket, "up/big/huge.bin").size() < 3) {
        assertThat(first.isAlive())
            .as("the first run is still going: " + Files.readString(dir.resolve("first.log")))
            .isTrue();
        assertThat(System.nanoTime()).as("waiting for 3 parts").isLessThan(deadline);
        Thread.sleep(100);
      }
      first.destroyForcibly(); // SIGKILL: no abort, no clean-up
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      first.destroyForcibly();
    }
    int partsBefore = storedParts(bucket, "up/big/huge.bin").size();
    assertThat(partsBefore).as("full parts stored when killed").isBetween(3, 12);
    RunRow killed = latestRun(src);
    assertThat(killed.state()).isEqualTo(JobState.RUNNING);
    assertThat(s3.client().listObjectsV2(r -> r.bucket(bucket).prefix("up/big/")).contents())
        .as("nothing partial is visible under the key")
        .isEmpty();

    Path csv = dir.resolve("second.csv");
    String[] again = java.util.Arrays.copyOf(args, args.length + 2);
    again[args.length] = "--report";
    again[args.length + 1] = csv.toString();
    FerryHarness.Result second = ferry.ferry(again);

    assertThat(second.code()).as(second.all()).isZero();
    assertThat(second.out()).contains("Resuming run " + killed.id());
    long sent = bytesSent(killed.id(), "big/huge.bin");
    System.out.printf(
        "resumed multipart upload: %d of %d bytes sent after the kill (%d parts of 5 MiB were"
            + " stored before it)%n",
        sent, BIG, partsBefore);
    // Exactly the parts the server did not hold were sent.
    assertThat(sent).isEqualTo(BIG - partsBefore * PART);
    Map<String, CSVRecord> rows = report(csv);
    assertThat(rows.get("big/huge.bin").get("bytes_sent")).isEqualTo(Long.toString(sent));
    assertThat(rows.get("big/huge.bin").get("verified_by")).isEqualTo("md5-multipart-etag");
    assertThat(rows.get("big/huge.bin").get("outcome")).isEqualTo("transferred");
    String event =
        ferry
            .db
            .catalog()
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select detail from run_events where run_id = ? and path = 'big/huge.bin' and event = 'resumed'")
                        .bind(0, killed.id())
                        .mapTo(String.class)
                        .one());
    assertThat(event).contains(sent + " of " + BIG + " bytes sent");
    assertThat(ferry.db.catalog().run(killed.id()).state()).isEqualTo(JobState.COMPLETED);
    assertThat(s3.client().listMultipartUploads(r -> r.bucket(bucket)).uploads())
        .as("no unfinished upload is left")
        .isEmpty();
    long kept =
        ferry
            .db
            .catalog()
            .jdbi()
            .withHandle(h -> h.createQuery("select count(*) from uploads").mapTo(Long.class).one());
    assertThat(kept).as("upload states left in the catalog").isZero();

    // The bytes on the server are the source's: bring them back and compare.
    Path back = dir.resolve("back");
    var down =
        ferry.ferry("migrate", dest, back.toString(), "--s3-endpoint", s3.endpoint().toString());
    assertThat(down.code()).as(down.all()).isZero();
    assertSameTree(src, back);
  }

  /**
   * The external-service deployment: two {@code ferry worker} processes on one Temporal service.
   * The worker uploading the large file is SIGKILLed; Temporal sees its heartbeats stop and gives
   * the batch to the other worker, which continues the same multipart upload from the state the
   * first kept in the catalog, sending only the parts the server does not hold.
   */
  @Test
  void whenTheWorkerUploadingALargeFileDiesTheOtherWorkerContinuesItsUpload() throws Exception {
    Path src = dir.resolve("src");
    write(src.resolve("big/huge.bin"), random(BIG, 61), MTIME);
    String bucket = "w" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    s3.createBucket(bucket);
    String dest = "s3://" + bucket + "/up";
    var options =
        new dev.ferry.activities.catalog.RunOptions(
            List.of(),
            List.of(),
            -1,
            -1,
            4,
            5,
            40,
            true,
            false,
            false,
            s3.endpoint().toString(),
            null);
    try (TwoWorkers cluster = TwoWorkers.start(ferry, dir)) {
      TwoWorkers.Started m =
          cluster.migrate(
              ferry.db.catalog(),
              src.toString(),
              dest,
              options,
              new dev.ferry.workflows.Limits(4, 40));
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (storedParts(bucket, "up/big/huge.bin").size() < 3) {
        assertThat(System.nanoTime()).as("waiting for 3 parts").isLessThan(deadline);
        Thread.sleep(100);
      }
      Process victim = cluster.holderOfTheBatch(m.workflowId());
      TwoWorkers.kill(victim);
      int partsBefore = storedParts(bucket, "up/big/huge.bin").size();
      assertThat(partsBefore).as("full parts stored when the worker died").isBetween(3, 12);

      var end = cluster.result(m.workflowId(), Duration.ofSeconds(180));
      assertThat(end.state()).isEqualTo(JobState.COMPLETED);
      assertThat(cluster.other(victim).isAlive()).isTrue();
      long sent = bytesSent(m.run(), "big/huge.bin");
      System.out.printf(
          "other worker continued the upload: %d of %d bytes sent after the kill (%d parts"
              + " stored before it)%n",
          sent, BIG, partsBefore);
      assertThat(sent).isEqualTo(BIG - partsBefore * PART);
    }
    Path back = dir.resolve("back");
    var down =
        ferry.ferry("migrate", dest, back.toString(), "--s3-endpoint", s3.endpoint().toString());
    assertThat(down.code()).as(down.all()).isZero();
    assertSameTree(src, back);
  }
}
