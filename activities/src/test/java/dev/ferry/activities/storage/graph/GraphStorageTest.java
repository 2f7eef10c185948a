package dev.ferry.activities.storage.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageContract;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.activities.testing.GraphDriveFake;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite and Graph's own rules, with the real Graph SDK against {@link
 * GraphDriveFake}: a fresh user's OneDrive per test.
 */
class GraphStorageTest extends StorageContract {
  static GraphDriveFake fake;

  @BeforeAll
  static void startFake() throws Exception {
    fake = GraphDriveFake.start();
  }

  @AfterAll
  static void stopFake() {
    fake.close();
  }

  private String user;

  private GraphStorage open(String location) {
    return GraphStorage.fromSettings(GraphSettings.fromUri(URI.create(location), fake.env()));
  }

  @Override
  protected GraphStorage newStorage() {
    user = "u" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
    fake.addUser(user);
    return open("onedrive://" + user + "/ferry/root");
  }

  private static Storage.WriteOptions options(
      long part, Storage.UploadState state, AtomicLong sent) {
    return new Storage.WriteOptions(true, part, state, sent::addAndGet);
  }

  @Test
  void smallFilesAreOneSimpleUploadAndKeepTheirTimeAndHash() throws Exception {
    try (GraphStorage s = newStorage()) {
      byte[] data = bytes(1000, 3);
      int before = fake.requests().size();
      Storage.Written w = put(s, "a/b/small.bin", data, 1_600_000_123_000L);
      assertThat(w.verifiedBy()).isEqualTo("quickxorhash");
      assertThat(w.destHash()).isEqualTo(QuickXorHash.of(data));
      List<String> mine = fake.requests().subList(before, fake.requests().size());
      assertThat(mine)
          .anyMatch(r -> r.startsWith("PUT /v1.0/drives/") && r.endsWith("small.bin:/content"));
      assertThat(mine).noneMatch(r -> r.contains("createUploadSession"));
      assertThat(s.stat("a/b/small.bin"))
          .get()
          .extracting(Entry::mtimeMillis)
          .isEqualTo(1_600_000_123_000L);
    }
  }

  @Test
  void largeFilesGoInFragmentsOfMultiplesOf320KiB() throws Exception {
    try (GraphStorage s = newStorage()) {
      byte[] data = bytes(13 * 327_680 + 1234, 4); // above the 4 MiB of a simple upload
      int before = fake.requests().size();
      AtomicLong sent = new AtomicLong();
      // 700,000 bytes rounds down to 655,360 (2 x 320 KiB): 7 fragments
      Storage.Written w =
          s.write(
              "big.bin",
              Entry.file("big.bin", data.length, 1_600_000_000_000L),
              new ByteArrayInputStream(data),
              options(700_000, Storage.UploadState.inMemory(), sent));
      assertThat(w).isEqualTo(new Storage.Written("quickxorhash", QuickXorHash.of(data)));
      List<String> mine = fake.requests().subList(before, fake.requests().size());
      assertThat(mine.stream().filter(r -> r.startsWith("PUT /upload/"))).hasSize(7);
      assertThat(mine).anyMatch(r -> r.endsWith("big.bin:/createUploadSession"));
      assertThat(sent.get()).isEqualTo(data.length);
      assertThat(read(s, "big.bin")).isEqualTo(data);
      assertThat(s.stat("big.bin"))
          .get()
          .extracting(Entry::mtimeMillis)
          .isEqualTo(1_600_000_000_000L);
    }
  }

  @Test
  void fragmentSizeIsRoundedToGraphsRules() {
    assertThat(GraphStorage.fragmentSize(1)).isEqualTo(327_680);
    assertThat(GraphStorage.fragmentSize(5L << 20)).isEqualTo(5L << 20);
    assertThat(GraphStorage.fragmentSize(1_000_000)).isEqualTo(983_040);
    assertThat(GraphStorage.fragmentSize(1L << 30)).isEqualTo(191 * 327_680).isLessThan(60 << 20);
  }

  @Test
  void anInterruptedUploadResumesFromNextExpectedRangesSendingOnlyTheMissingBytes()
      throws Exception {
    try (GraphStorage s = newStorage()) {
      byte[] data = bytes(16 * 327_680 + 99, 5);
      Entry e = Entry.file("resume.bin", data.length, 1_600_000_000_000L);
      Storage.UploadState state = Storage.UploadState.inMemory();
      long part = 2 * 327_680;
      long received0 = fake.bytesReceived();
      // the third fragment fails (500, not retried by the SDK): two fragments are stored
      AtomicLong sent1 = new AtomicLong();
      failThird(s, e, data, state, part, sent1);
      assertThat(state.load()).get().asString().startsWith("graph-v1 " + data.length);
      long storedBefore = 2 * part;
      assertThat(sent1.get()).isEqualTo(storedBefore);
      long receivedAfterFirst = fake.bytesReceived() - received0;
      assertThat(receivedAfterFirst).isEqualTo(3 * part); // the failed fragment arrived too

      AtomicLong sent2 = new AtomicLong();
      Storage.Written w =
          s.write("resume.bin", e, new ByteArrayInputStream(data), options(part, state, sent2));
      assertThat(w.verifiedBy()).isEqualTo("quickxorhash");
      assertThat(sent2.get()).isEqualTo(data.length - storedBefore);
      assertThat(fake.bytesReceived() - received0 - receivedAfterFirst)
          .isEqualTo(data.length - storedBefore);
      assertThat(state.load()).isEmpty();
      assertThat(read(s, "resume.bin")).isEqualTo(data);
    }
  }

  private void failThird(
      GraphStorage s, Entry e, byte[] data, Storage.UploadState state, long part, AtomicLong sent) {
    // let two fragments through, then fail the next one
    AtomicLong count = new AtomicLong();
    Storage.WriteOptions o =
        new Storage.WriteOptions(
            true,
            part,
            state,
            n -> {
              sent.addAndGet(n);
              if (count.incrementAndGet() == 2) {
                fake.failFragments(1);
              }
            });
    assertThatThrownBy(() -> s.write("resume.bin", e, new ByteArrayInputStream(data), o))
        .isInstanceOf(StorageException.Transient.class)
        .hasMessageContaining("generalException");
  }

  @Test
  void anExpiredSessionStartsOver() throws Exception {
    try (GraphStorage s = newStorage()) {
      byte[] data = bytes(14 * 327_680 + 5, 6);
      Entry e = Entry.file("exp.bin", data.length, 1_600_000_000_000L);
      Storage.UploadState state = Storage.UploadState.inMemory();
      long part = 327_680;
      failThird(s, e, data, state, part, new AtomicLong());
      fake.expireSessions();
      AtomicLong sent = new AtomicLong();
      s.write("exp.bin", e, new ByteArrayInputStream(data), options(part, state, sent));
      assertThat(sent.get()).isEqualTo(data.length);
      assertThat(read(s, "exp.bin")).isEqualTo(data);
    }
  }

  @Test
  void throttlingWithRetryAfterIsWaitedOutAndRetried() throws Exception {
    try (GraphStorage s = newStorage()) {
      put(s, "warm.txt", bytes(10, 1), 1_600_000_000_000L); // token and drive looked up
      byte[] data = bytes(2000, 7);
      fake.throttleNext(1, 429, 1);
      long t0 = System.nanoTime();
      Storage.Written w = put(s, "t/after-429.bin", data, 1_600_000_000_000L);
      long waitedMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(waitedMs).isGreaterThanOrEqualTo(950);
      assertThat(w.verifiedBy()).isEqualTo("quickxorhash");
      fake.throttleNext(1, 503, 1);
      assertThat(read(s, "t/after-429.bin")).isEqualTo(data);
      // a fragment PUT is retried too, with its body resent: the second fragment meets a 503
      byte[] big = bytes(14 * 327_680 + 3, 8);
      AtomicLong sent = new AtomicLong();
      long received0 = fake.bytesReceived();
      Storage.Written w2 =
          s.write(
              "t/big.bin",
              Entry.file("t/big.bin", big.length, 1_600_000_000_000L),
              new ByteArrayInputStream(big),
              new Storage.WriteOptions(
                  true,
                  327_680,
                  Storage.UploadState.NONE,
                  n -> {
                    if (sent.getAndAdd(n) == 0) {
                      fake.throttleNext(1, 503, 1);
                    }
                  }));
      assertThat(w2.verifiedBy()).isEqualTo("quickxorhash");
      assertThat(fake.bytesReceived() - received0).isEqualTo(big.length);
      assertThat(sent.get()).isEqualTo(big.length);
      assertThat(read(s, "t/big.bin")).isEqualTo(big);
    }
  }

  @Test
  void throttlingThatOutlastsTheSdkRetriesIsReportedThrottledWithItsRetryAfter() throws Exception {
    try (GraphStorage s = newStorage()) {
      put(s, "warm.txt", bytes(10, 1), 1_600_000_000_000L);
      fake.throttleNext(4, 429, 1); // the SDK tries 1 + 3 times
      assertThatThrownBy(() -> s.stat("warm.txt"))
          .isInstanceOfSatisfying(
              StorageException.Throttled.class, t -> assertThat(t.retryAfter()).hasSeconds(1))
          .hasMessageContaining("activityLimitReached");
      assertThat(s.stat("warm.txt")).isPresent();
    }
  }

  @Test
  void listsEveryPageOfALargeFolder() throws Exception {
    try (GraphStorage s = newStorage()) {
      fake.pageSize(7);
      try {
        List<String> drive = s.debugDriveAndRoot();
        for (int i = 0; i < 30; i++) {
          fake.putFile(
              drive.get(0),
              "ferry/root/many/f" + i + ".txt",
              new byte[] {1},
              Instant.ofEpochSecond(1_600_000_000L));
        }
        Map<String, Entry> files = files(s);
        assertThat(files).hasSize(30);
        assertThat(files.get("many/f3.txt").mtimeMillis()).isEqualTo(1_600_000_000_000L);
        assertThat(fake.requests()).anyMatch(r -> r.contains("/children") && r.contains("items/"));
      } finally {
        fake.pageSize(200);
      }
    }
  }

  @Test
  void sharePointLibrariesAreFoundByName() throws Exception {
    fake.addSite("contoso.sharepoint.com", "marketing", "Documents", "Shared Assets");
    try (GraphStorage s =
        open("sharepoint://contoso.sharepoint.com/marketing/Shared%20Assets/q1")) {
      put(s, "plan.txt", bytes(20, 1), 1_600_000_000_000L);
      assertThat(files(s)).containsOnlyKeys("plan.txt");
    }
    try (GraphStorage s = open("sharepoint://contoso.sharepoint.com/marketing/Nope")) {
      assertThatThrownBy(() -> s.stat("x"))
          .isInstanceOf(StorageException.NotFound.class)
          .hasMessageContaining("Documents, Shared Assets");
    }
  }

  @Test
  void wrongCredentialsAreAccessDeniedWithoutTheSecret() {
    fake.addUser("carol@contoso.example");
    Map<String, String> env = new HashMap<>(fake.env());
    env.put(GraphSettings.CLIENT_SECRET, "wrong-secret-value");
    try (GraphStorage s =
        GraphStorage.fromSettings(
            GraphSettings.fromUri(URI.create("onedrive://carol@contoso.example/x"), env))) {
      assertThatThrownBy(() -> s.stat("a.txt"))
          .isInstanceOf(StorageException.AccessDenied.class)
          .hasMessageContaining("AADSTS7000215")
          .hasMessageContaining(GraphSettings.CLIENT_SECRET)
          .hasMessageNotContaining("wrong-secret-value");
    }
  }

  @Test
  void namesGraphRefusesArePermanentErrorsWithGraphsMessage() throws Exception {
    try (GraphStorage s = newStorage()) {
      for (String bad : List.of("q?.txt", "a|b.txt", "CON", "dir:x/f.txt")) {
        assertThatThrownBy(() -> put(s, bad, bytes(5, 1), 1_600_000_000_000L))
            .as(bad)
            .isInstanceOf(StorageException.Permanent.class)
            .hasMessageContaining("invalidRequest");
      }
    }
  }

  @Test
  void aFullDriveIsAPermanentQuotaError() throws Exception {
    try (GraphStorage s = newStorage()) {
      fake.quotaBytes(0);
      try {
        assertThatThrownBy(() -> put(s, "full.bin", bytes(10, 1), 1_600_000_000_000L))
            .isInstanceOf(StorageException.Permanent.class)
            .hasMessageContaining("quota")
            .hasMessageContaining("quotaLimitReached");
      } finally {
        fake.quotaBytes(Long.MAX_VALUE);
      }
    }
  }
}
