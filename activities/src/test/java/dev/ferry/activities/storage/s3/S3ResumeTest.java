package dev.ferry.activities.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.activities.testing.FaultProxy;
import dev.ferry.activities.testing.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.Part;

/**
 * A multipart upload cut off by a failure is continued by the next write of the same file: only the
 * parts S3 does not hold yet (or holds with other bytes) are sent. Requests are counted through the
 * fault proxy in front of the real S3 API server (s3proxy).
 */
class S3ResumeTest {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static final int PART = 5 << 20;
  private static final int SIZE = 2 * PART + 1234; // three parts, the last one small
  private static final long MTIME = 1_600_000_000_000L;

  private final S3ProxyServer server = S3ProxyServer.shared();
  private FaultProxy proxy;
  private S3Storage storage;
  private String bucket;
  private FaultProxy.Rule partUploads;
  private final AtomicLong sent = new AtomicLong();

  @BeforeEach
  void setUp() {
    proxy = FaultProxy.start(server.endpoint());
    bucket = "ferry-resume-" + BUCKETS.incrementAndGet();
    S3Settings direct = server.settings(bucket, "p");
    storage =
        new S3Storage(
            new S3Settings(
                direct.bucket(),
                direct.prefix(),
                proxy.endpoint(),
                direct.region(),
                direct.credentials(),
                true));
    partUploads = proxy.watch("PUT", "partNumber=");
  }

  @AfterEach
  void tearDown() {
    storage.close();
    proxy.close();
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** A source that gives its first {@code limit} bytes, then fails as a dying disk would. */
  private static InputStream failingAfter(byte[] data, int limit) {
    return new InputStream() {
      private int pos;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (pos >= limit) {
          throw new IOException("the source disk went away");
        }
        int n = Math.min(len, Math.min(limit, data.length) - pos);
        if (n <= 0) {
          return -1;
        }
        System.arraycopy(data, pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }

  private Storage.WriteOptions options(Storage.UploadState state, long partSize) {
    return new Storage.WriteOptions(true, partSize, state, sent::addAndGet);
  }

  private Storage.Written write(
      String path, byte[] data, long mtime, InputStream in, Storage.UploadState state) {
    return storage.write(path, Entry.file(path, data.length, mtime), in, options(state, PART));
  }

  private static String multipartEtag(byte[] data, int part) throws Exception {
    MessageDigest ofMd5s = MessageDigest.getInstance("MD5");
    int parts = 0;
    for (int off = 0; off < data.length; off += part) {
      ofMd5s.update(
          MessageDigest.getInstance("MD5")
              .digest(Arrays.copyOfRange(data, off, Math.min(data.length, off + part))));
      parts++;
    }
    return HexFormat.of().formatHex(ofMd5s.digest()) + "-" + parts;
  }

  private S3Client s3() {
    return server.client();
  }

  private List<MultipartUpload> unfinished() {
    return s3().listMultipartUploads(r -> r.bucket(bucket)).uploads();
  }

  private List<Part> storedParts(String key, String uploadId) {
    return s3().listParts(r -> r.bucket(bucket).key(key).uploadId(uploadId)).parts();
  }

  private byte[] read(String path) throws IOException {
    try (InputStream in = storage.open(path)) {
      return in.readAllBytes();
    }
  }

  /** Writes {@code data} with a source that fails after two parts: two parts stay stored. */
  private String failAfterTwoParts(String path, byte[] data, Storage.UploadState state) {
    assertThatThrownBy(() -> write(path, data, MTIME, failingAfter(data, 2 * PART + 100), state))
        .isInstanceOf(StorageException.Transient.class)
        .hasMessageContaining("could not read the source");
    assertThat(state.load()).isPresent();
    List<MultipartUpload> left = unfinished();
    assertThat(left).hasSize(1);
    String uploadId = left.get(0).uploadId();
    assertThat(state.load().get()).contains("upload=" + uploadId);
    assertThat(storedParts("p/" + path, uploadId))
        .extracting(Part::partNumber)
        .containsExactly(1, 2);
    return uploadId;
  }

  @Test
  void aWriteCutOffAfterTwoPartsIsContinuedSendingOnlyTheThirdPart() throws Exception {
    byte[] data = bytes(SIZE, 1);
    Storage.UploadState state = Storage.UploadState.inMemory();
    failAfterTwoParts("big.bin", data, state);
    assertThat(partUploads.matched()).isEqualTo(2);
    assertThat(sent.get()).isEqualTo(2L * PART);

    sent.set(0);
    Storage.Written w = write("big.bin", data, MTIME, new ByteArrayInputStream(data), state);

    assertThat(partUploads.matched()).as("part uploads in all").isEqualTo(3);
    assertThat(sent.get()).as("bytes sent by the second write").isEqualTo(SIZE - 2L * PART);
    assertThat(w).isEqualTo(new Storage.Written("md5-multipart-etag", multipartEtag(data, PART)));
    assertThat(read("big.bin")).isEqualTo(data);
    assertThat(storage.stat("big.bin")).get().extracting(Entry::mtimeMillis).isEqualTo(MTIME);
    assertThat(state.load()).isEmpty();
    assertThat(unfinished()).isEmpty();
  }

  @Test
  void aConnectionResetOnTheThirdPartLeavesTheFirstTwoToBeReused() throws Exception {
    byte[] data = bytes(SIZE, 2);
    Storage.UploadState state = Storage.UploadState.inMemory();
    FaultProxy.Rule reset = proxy.resetNext(1, "partNumber=3");
    assertThatThrownBy(() -> write("reset.bin", data, MTIME, new ByteArrayInputStream(data), state))
        .isInstanceOf(StorageException.Transient.class);
    assertThat(reset.applied()).isEqualTo(1);
    assertThat(unfinished()).hasSize(1);

    Storage.Written w = write("reset.bin", data, MTIME, new ByteArrayInputStream(data), state);

    // parts 1 and 2 once, part 3 twice (reset, then sent again)
    assertThat(partUploads.matched()).isEqualTo(4);
    assertThat(w.verifiedBy()).isEqualTo("md5-multipart-etag");
    assertThat(read("reset.bin")).isEqualTo(data);
    assertThat(unfinished()).isEmpty();
  }

  @Test
  void aStoredPartWhoseBytesDifferIsSentAgain() throws Exception {
    byte[] first = bytes(SIZE, 3);
    Storage.UploadState state = Storage.UploadState.inMemory();
    failAfterTwoParts("edit.bin", first, state);
    // Same size and time, but the second part's bytes changed (a tool that keeps the mtime).
    byte[] second = first.clone();
    second[PART + 7] ^= 0x5a;

    Storage.Written w = write("edit.bin", second, MTIME, new ByteArrayInputStream(second), state);

    assertThat(partUploads.matched()).isEqualTo(2 + 2); // part 2 again, and part 3
    assertThat(w.destHash()).isEqualTo(multipartEtag(second, PART));
    assertThat(read("edit.bin")).isEqualTo(second);
  }

  @Test
  void anUploadStartedForAnotherVersionOfTheFileIsAbortedAndTheFileSentAfresh() throws Exception {
    byte[] data = bytes(SIZE, 4);
    Storage.UploadState state = Storage.UploadState.inMemory();
    String stale = failAfterTwoParts("moved.bin", data, state);

    long newer = MTIME + 60_000;
    Storage.Written w = write("moved.bin", data, newer, new ByteArrayInputStream(data), state);

    assertThat(partUploads.matched()).isEqualTo(2 + 3);
    assertThat(w.verifiedBy()).isEqualTo("md5-multipart-etag");
    assertThat(read("moved.bin")).isEqualTo(data);
    assertThat(storage.stat("moved.bin")).get().extracting(Entry::mtimeMillis).isEqualTo(newer);
    assertThat(unfinished()).extracting(MultipartUpload::uploadId).doesNotContain(stale).isEmpty();
    assertThat(state.load()).isEmpty();
  }

  @Test
  void anUploadThatIsGoneIsStartedAgain() throws Exception {
    byte[] data = bytes(SIZE, 5);
    Storage.UploadState state = Storage.UploadState.inMemory();
    String uploadId = failAfterTwoParts("gone.bin", data, state);
    s3().abortMultipartUpload(r -> r.bucket(bucket).key("p/gone.bin").uploadId(uploadId));

    write("gone.bin", data, MTIME, new ByteArrayInputStream(data), state);

    assertThat(partUploads.matched()).isEqualTo(2 + 3);
    assertThat(read("gone.bin")).isEqualTo(data);
  }

  @Test
  void theUploadKeepsItsPartSizeWhenTheNextWriteAsksForAnother() throws Exception {
    byte[] data = bytes(SIZE, 6);
    Storage.UploadState state = Storage.UploadState.inMemory();
    failAfterTwoParts("parts.bin", data, state);

    Storage.Written w =
        storage.write(
            "parts.bin",
            Entry.file("parts.bin", data.length, MTIME),
            new ByteArrayInputStream(data),
            options(state, 8L << 20));

    assertThat(partUploads.matched()).isEqualTo(3);
    assertThat(w.destHash()).isEqualTo(multipartEtag(data, PART));
    assertThat(read("parts.bin")).isEqualTo(data);
  }

  @Test
  void anUploadLeftBehindIsAbortedWhenTheFileNowFitsInOnePut() throws Exception {
    byte[] data = bytes(SIZE, 9);
    Storage.UploadState state = Storage.UploadState.inMemory();
    failAfterTwoParts("one.bin", data, state);

    Storage.Written w =
        storage.write(
            "one.bin",
            Entry.file("one.bin", data.length, MTIME),
            new ByteArrayInputStream(data),
            options(state, 16L << 20));

    assertThat(w.verifiedBy()).isEqualTo("md5-etag");
    assertThat(read("one.bin")).isEqualTo(data);
    assertThat(state.load()).isEmpty();
    assertThat(unfinished()).isEmpty();
  }

  @Test
  void aSourceThatChangedSizeAbortsTheUploadAndForgetsIt() {
    byte[] data = bytes(SIZE, 7);
    Storage.UploadState state = Storage.UploadState.inMemory();
    assertThatThrownBy(
            () ->
                storage.write(
                    "short.bin",
                    Entry.file("short.bin", SIZE + 10, MTIME),
                    new ByteArrayInputStream(data),
                    options(state, PART)))
        .isInstanceOf(StorageException.Transient.class)
        .hasMessageContaining("source changed");
    assertThat(state.load()).isEmpty();
    assertThat(unfinished()).isEmpty();
  }

  @Test
  void withoutAPlaceToKeepStateAFailedUploadIsAbortedAsBefore() {
    byte[] data = bytes(SIZE, 8);
    assertThatThrownBy(
            () ->
                write(
                    "plain.bin",
                    data,
                    MTIME,
                    failingAfter(data, 2 * PART + 100),
                    Storage.UploadState.NONE))
        .isInstanceOf(StorageException.Transient.class);
    assertThat(unfinished()).isEmpty();
  }
}
