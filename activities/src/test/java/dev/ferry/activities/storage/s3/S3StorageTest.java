package dev.ferry.activities.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageContract;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.activities.testing.HostileNames;
import dev.ferry.activities.testing.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The storage contract, and S3's own promises, against a real S3 API server (s3proxy). */
class S3StorageTest extends StorageContract {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static final long MTIME = 1_600_000_000_000L;

  private final S3ProxyServer server = S3ProxyServer.shared();

  /** A bucket name no other test uses. */
  static String freshBucket() {
    return "ferry-test-" + BUCKETS.incrementAndGet();
  }

  /**
   * A store under a prefix of a bucket that does not exist yet: listing it must give nothing and
   * the first write must create it.
   */
  @Override
  protected Storage newStorage() {
    return new S3Storage(server.settings(freshBucket(), "root/sub"));
  }

  /** s3proxy stores an object as a file: a 255-byte name is too long for it (not for S3). */
  @Override
  protected boolean testServerTakes(String path) {
    return !HostileNames.LONGEST.contains(path);
  }

  private static Storage.Written write(Storage s, String path, byte[] data, boolean verify) {
    return s.write(
        path,
        Entry.file(path, data.length, MTIME),
        new ByteArrayInputStream(data),
        new Storage.WriteOptions(verify, PART));
  }

  private static String md5(byte[]... chunks) throws Exception {
    MessageDigest md = MessageDigest.getInstance("MD5");
    for (byte[] c : chunks) {
      md.update(c);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  @Test
  void describesAndDeclaresCapabilities() {
    try (S3Storage s = new S3Storage(server.settings("b-cap", "some/prefix"))) {
      assertThat(s.describe()).isEqualTo("s3://b-cap/some/prefix");
      assertThat(s.capabilities().folders()).isFalse();
      assertThat(s.capabilities().preservesMtime()).isTrue();
      assertThat(s.capabilities().nativeHash()).isEqualTo("md5-etag");
      // S3's 1024-byte key limit, less the "some/prefix/" every key starts with.
      assertThat(s.capabilities().maxPathBytes()).isEqualTo(1024 - "some/prefix/".length());
    }
    try (S3Storage s = new S3Storage(server.settings("b-cap", ""))) {
      assertThat(s.describe()).isEqualTo("s3://b-cap");
      assertThat(s.capabilities().maxPathBytes()).isEqualTo(1024);
    }
  }

  @Test
  void singlePutIsVerifiedByItsMd5Etag() throws Exception {
    try (Storage s = newStorage()) {
      byte[] data = bytes(1000, 11);
      Storage.Written w = write(s, "one.bin", data, true);
      assertThat(w).isEqualTo(new Storage.Written("md5-etag", md5(data)));
      Storage.Written unverified = write(s, "two.bin", data, false);
      assertThat(unverified).isEqualTo(new Storage.Written("none", md5(data)));
    }
  }

  @Test
  void multipartUploadIsVerifiedByTheMultipartEtag() throws Exception {
    try (Storage s = newStorage()) {
      byte[] data = bytes((int) (2 * PART + 10), 12);
      Storage.Written w = write(s, "multi.bin", data, true);
      byte[] p1 = java.util.Arrays.copyOfRange(data, 0, (int) PART);
      byte[] p2 = java.util.Arrays.copyOfRange(data, (int) PART, (int) (2 * PART));
      byte[] p3 = java.util.Arrays.copyOfRange(data, (int) (2 * PART), data.length);
      MessageDigest ofMd5s = MessageDigest.getInstance("MD5");
      for (byte[] p : List.of(p1, p2, p3)) {
        ofMd5s.update(MessageDigest.getInstance("MD5").digest(p));
      }
      String expected = HexFormat.of().formatHex(ofMd5s.digest()) + "-3";
      assertThat(w).isEqualTo(new Storage.Written("md5-multipart-etag", expected));
      assertThat(read(s, "multi.bin")).isEqualTo(data);
      assertThat(s.stat("multi.bin")).get().extracting(Entry::mtimeMillis).isEqualTo(MTIME);
    }
  }

  @Test
  void exactlyOnePartIsASinglePut() throws Exception {
    try (Storage s = newStorage()) {
      byte[] data = bytes((int) PART, 13);
      assertThat(write(s, "exact.bin", data, true).verifiedBy()).isEqualTo("md5-etag");
      assertThat(read(s, "exact.bin")).isEqualTo(data);
    }
  }

  @Test
  void aSourceThatGivesMoreOrFewerBytesThanDeclaredIsTransientAndLeavesNothing() {
    S3Settings settings = server.settings(freshBucket(), "p");
    try (Storage s = new S3Storage(settings)) {
      for (int actual : new int[] {99, 101, (int) (2 * PART) - 1, (int) (2 * PART) + 1}) {
        long declared = actual < 1000 ? 100 : 2 * PART;
        byte[] data = bytes(actual, actual);
        assertThatThrownBy(
                () ->
                    s.write(
                        "changing.bin",
                        Entry.file("changing.bin", declared, MTIME),
                        new ByteArrayInputStream(data),
                        new Storage.WriteOptions(true, PART)))
            .isInstanceOf(StorageException.Transient.class)
            .hasMessageContaining("source changed");
      }
      assertThat(s.stat("changing.bin")).isEmpty();
      // Every multipart upload was aborted.
      assertThat(server.client().listMultipartUploads(r -> r.bucket(settings.bucket())).uploads())
          .isEmpty();
    }
  }

  @Test
  void listsOnlyFilesUnderThePrefixAndSkipsFolderMarkers() throws Exception {
    String bucket = freshBucket();
    server.createBucket(bucket);
    S3Client raw = server.client();
    for (String key : List.of("p/a.txt", "p/dir/b.txt", "p/marker/", "p2/outside.txt", "top.txt")) {
      raw.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString("x"));
    }
    try (Storage s = new S3Storage(server.settings(bucket, "p"))) {
      assertThat(files(s).keySet()).containsExactly("a.txt", "dir/b.txt");
      Entry a = files(s).get("a.txt");
      assertThat(a.size()).isEqualTo(1);
      assertThat(a.mtimeMillis()).isPositive();
    }
    try (Storage s = new S3Storage(server.settings(bucket, ""))) {
      assertThat(files(s).keySet())
          .containsExactly("p/a.txt", "p/dir/b.txt", "p2/outside.txt", "top.txt");
    }
  }

  @Test
  void listsMoreThanOnePage() throws Exception {
    String bucket = freshBucket();
    server.createBucket(bucket);
    S3Client raw = server.client();
    int n = 1_050; // ListObjectsV2 returns at most 1,000 keys per page
    for (int i = 0; i < n; i++) {
      String key = "many/f" + i;
      raw.putObject(r -> r.bucket(bucket).key(key), RequestBody.empty());
    }
    try (Storage s = new S3Storage(server.settings(bucket, "many"))) {
      assertThat(files(s)).hasSize(n);
    }
  }

  @Test
  void reportsKeysThatAreNotSafePathsAsProblems() throws Exception {
    String bucket = freshBucket();
    server.createBucket(bucket);
    S3Client raw = server.client();
    // a backslash is an ordinary character of a key; a control character survives the listing
    for (String key : List.of("p/ok.txt", "p/back\\slash.txt", "p/ctl\u0001.txt", "p/C:x.txt")) {
      raw.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString("x"));
    }
    List<String> listed = new ArrayList<>();
    List<Storage.ListingProblem> problems = new ArrayList<>();
    try (Storage s = new S3Storage(server.settings(bucket, "p"))) {
      s.list(e -> listed.add(e.path()), problems::add);
      try (var in = s.open("back\\slash.txt")) {
        assertThat(in.readAllBytes()).isEqualTo("x".getBytes(StandardCharsets.UTF_8));
      }
    }
    assertThat(listed).containsExactlyInAnyOrder("ok.txt", "back\\slash.txt", "ctl\u0001.txt");
    assertThat(problems)
        .extracting(Storage.ListingProblem::path)
        .containsExactly("C:x.txt"); // a drive letter: absolute on Windows
  }

  @Test
  void readsRcloneStyleMtimeMetadataAndWritesIt() throws Exception {
    String bucket = freshBucket();
    server.createBucket(bucket);
    S3Client raw = server.client();
    // rclone stores the modification time as decimal epoch seconds, with nanoseconds.
    raw.putObject(
        r ->
            r.bucket(bucket)
                .key("p/by-rclone.txt")
                .metadata(Map.of("mtime", "1500000000.123456789")),
        RequestBody.fromString("hello"));
    raw.putObject(r -> r.bucket(bucket).key("p/no-mtime.txt"), RequestBody.fromString("x"));
    try (Storage s = new S3Storage(server.settings(bucket, "p"))) {
      assertThat(s.stat("by-rclone.txt"))
          .contains(Entry.file("by-rclone.txt", 5, 1_500_000_000_123L));
      // Without the metadata, the object's LastModified is its time.
      long lastModified =
          raw.headObject(r -> r.bucket(bucket).key("p/no-mtime.txt")).lastModified().toEpochMilli();
      assertThat(s.stat("no-mtime.txt")).contains(Entry.file("no-mtime.txt", 1, lastModified));

      put(s, "by-ferry.txt", bytes(3, 1), 1_500_000_000_456L);
      assertThat(raw.headObject(r -> r.bucket(bucket).key("p/by-ferry.txt")).metadata())
          .containsEntry("mtime", "1500000000.456");
      assertThat(s.stat("by-ferry.txt"))
          .get()
          .extracting(Entry::mtimeMillis)
          .isEqualTo(1_500_000_000_456L);
    }
  }

  @Test
  void mtimeTextRoundTrips() {
    assertThat(S3Storage.formatMtime(1_500_000_000_123L)).isEqualTo("1500000000.123");
    assertThat(S3Storage.formatMtime(0)).isEqualTo("0.000");
    assertThat(S3Storage.parseMtime("1500000000.123456789")).isEqualTo(1_500_000_000_123L);
    assertThat(S3Storage.parseMtime("1500000000")).isEqualTo(1_500_000_000_000L);
    assertThat(S3Storage.parseMtime("1.5e9")).isEqualTo(1_500_000_000_000L);
    assertThat(S3Storage.parseMtime("garbage")).isEqualTo(-1);
    assertThat(S3Storage.parseMtime(null)).isEqualTo(-1);
    assertThat(S3Storage.parseMtime("-5")).isEqualTo(-1);
  }

  @Test
  void partSizeRespectsS3Limits() {
    long mib = 1L << 20;
    assertThat(S3Storage.partSize(8 * mib, 100 * mib)).isEqualTo(8 * mib);
    assertThat(S3Storage.partSize(1 * mib, 100 * mib)).isEqualTo(5 * mib); // S3 minimum
    // 1 TiB in 5 MiB parts would be 209,716 parts; S3 allows 10,000.
    long tib = 1L << 40;
    assertThat(S3Storage.partSize(5 * mib, tib)).isEqualTo((tib + 9_999) / 10_000);
  }

  @Test
  void aZeroByteWriteLeavesTheConnectionUsable() {
    // With aws-chunked bodies, s3proxy dropped the connection after a zero-byte PUT: about one
    // write in three after an empty one failed with "Broken pipe". Direct, not through FaultProxy,
    // which would hide it behind its own connections.
    try (Storage s = newStorage()) {
      for (int i = 0; i < 50; i++) {
        write(s, "empty.dat", new byte[0], true);
        write(s, "next.txt", bytes(5, i), true);
      }
    }
  }

  @Test
  void openStreamsTheObject() throws Exception {
    try (Storage s = newStorage()) {
      byte[] data = bytes(300_000, 5);
      put(s, "stream.bin", data, MTIME);
      try (InputStream in = s.open("stream.bin")) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
    }
  }

  @Test
  void aMissingBucketListsNothingAndStatsNothing() {
    try (Storage s = new S3Storage(server.settings("never-created-bucket", ""))) {
      assertThat(files(s)).isEmpty();
      assertThat(s.stat("x.txt")).isEmpty();
      s.delete("x.txt");
    }
  }
}
