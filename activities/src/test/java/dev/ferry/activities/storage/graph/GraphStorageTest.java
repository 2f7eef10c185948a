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
import java.time.Duration;
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
  private final Map<GraphStorage, String> drives = new java.util.IdentityHashMap<>();

  private GraphStorage open(String location) {
    return GraphStorage.fromSettings(GraphSettings.fromUri(URI.create(location), fake.env()));
  }

  @Override
  protected GraphStorage newStorage() {
    user = "u" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
    String drive = fake.addUser(user);
    GraphStorage s = open("onedrive://" + user + "/ferry/root");
    drives.put(s, drive);
    s.recoveryPause(Duration.ofMillis(20));
    return s;
  }

  /** The id of the drive of {@code s}, one {@link #newStorage} made. */
  private String drive(GraphStorage s) {
    return java.util.Objects.requireNonNull(drives.get(s), "not a storage of newStorage()");
  }

  /**
   * Writes {@code data} in fragments of {@code part}; {@code afterFirst} runs once one is stored.
   */
  private static Storage.Written writeArming(
      GraphStorage s, String path, byte[] data, long part, Runnable afterFirst) {
    AtomicLong count = new AtomicLong();
    return s.write(
        path,
        Entry.file(path, data.length, 1_600_000_000_000L),
        new ByteArrayInputStream(data),
        new Storage.WriteOptions(
            true,
            part,
            Storage.UploadState.inMemory(),
            n -> {
              if (count.incrementAndGet() == 1) {
                afterFirst.run();
              }
            }));
  }

  private long sessionsCreated(int before) {
    return fake.requests().subList(before, fake.requests().size()).stream()
        .filter(r -> r.endsWith("/createUploadSession"))
        .count();
  }

  private static Storage.WriteOptions options(
      long part, Storage.UploadState state, AtomicLong sent) {
    return new Storage.WriteOptions(true, part, state, sent::addAndGet);
  }

  @Test
  void everyNonEmptyFileIsOneUploadSessionAndOneVersionWithItsTimeAndHash() throws Exception {
    try (GraphStorage s = newStorage()) {
      byte[] data = bytes(1000, 3);
      int before = fake.requests().size();
      Storage.Written w = put(s, "a/b/small.bin", data, 1_600_000_123_000L);
      assertThat(w.verifiedBy()).isEqualTo("quickxorhash");
      assertThat(w.destHash()).isEqualTo(QuickXorHash.of(data));
      List<String> mine = fake.requests().subList(before, fake.requests().size());
      assertThat(mine).anyMatch(r -> r.endsWith("small.bin:/createUploadSession"));
      assertThat(mine).noneMatch(r -> r.endsWith(":/content") || r.startsWith("PATCH "));
      assertThat(s.stat("a/b/small.bin"))
          .get()
          .extracting(Entry::mtimeMillis)
          .isEqualTo(1_600_000_123_000L);
      // a PUT and a PATCH would be two versions, each counted against the quota
      assertThat(fake.versions(drive(s), "ferry/root/a/b/small.bin")).isEqualTo(1);
      put(s, "a/b/small.bin", bytes(1200, 4), 1_600_000_124_000L);
      assertThat(fake.versions(drive(s), "ferry/root/a/b/small.bin")).isEqualTo(2);
      put(s, "big.bin", bytes(14 * 327_680 + 7, 5), 1_600_000_124_000L);
      assertThat(fake.versions(drive(s), "ferry/root/big.bin")).isEqualTo(1);
    }
  }

  @Test
  void aFragmentStoredThoughAnswered5xxContinuesFromNextExpectedRangesInTheSameSession()
      throws Exception {
    try (GraphStorage s = newStorage()) {
      long part = 2 * 327_680;
      // a 500 after keeping 100,000 bytes: the session's next range starts inside the fragment
      byte[] data = bytes(5 * 327_680 + 11, 6);
      int before = fake.requests().size();
      long received0 = fake.bytesReceived();
      Storage.Written w =
          writeArming(s, "in.bin", data, part, () -> fake.storeThenFail(1, 500, 100_000));
      assertThat(w.verifiedBy()).isEqualTo("quickxorhash");
      assertThat(read(s, "in.bin")).isEqualTo(data);
      assertThat(sessionsCreated(before)).isEqualTo(1);
      // the fragment once, then only the part the session did not keep
      assertThat(fake.bytesReceived() - received0).isEqualTo(data.length + part - 100_000);
      // a 503 after keeping it all: the SDK sends it again, meets 416, and the session is asked
      byte[] more = bytes(5 * 327_680 + 12, 7);
      before = fake.requests().size();
      w = writeArming(s, "all.bin", more, part, () -> fake.storeThenFail(1, 503, -1));
      assertThat(w.verifiedBy()).isEqualTo("quickxorhash");
      assertThat(read(s, "all.bin")).isEqualTo(more);
      assertThat(sessionsCreated(before)).isEqualTo(1);
      assertThat(fake.versions(drive(s), "ferry/root/all.bin")).isEqualTo(1);
    }
  }

  @Test
  void aTransient404OnALiveSessionIsTriedAgainAfterAPause() throws Exception {
    try (GraphStorage s = newStorage()) {
      byte[] data = bytes(3 * 327_680 + 5, 8);
      int before = fake.requests().size();
      Storage.Written w =
          writeArming(s, "busy.bin", data, 327_680, () -> fake.sessionNotFoundNext(2));
      assertThat(w.verifiedBy()).isEqualTo("quickxorhash");
      assertThat(read(s, "busy.bin")).isEqualTo(data);
      assertThat(sessionsCreated(before)).isEqualTo(1);
      // a session that stays not found is given up for a new one on the next attempt
      Storage.UploadState state = Storage.UploadState.inMemory();
      Entry e = Entry.file("gone.bin", data.length, 1_600_000_000_000L);
      AtomicLong count = new AtomicLong();
      assertThatThrownBy(
              () ->
                  s.write(
                      "gone.bin",
                      e,
                      new ByteArrayInputStream(data),
                      new Storage.WriteOptions(
                          true,
                          327_680,
                          state,
                          n -> {
                            if (count.incrementAndGet() == 1) {
                              fake.expireSessions();
                            }
                          })))
          .isInstanceOf(StorageException.Transient.class)
          .hasMessageContaining("upload session was lost");
      assertThat(state.load()).isEmpty();
      assertThat(s.stat("gone.bin")).isEmpty();
    }
  }

  @Test
  void aLastFragmentStoredWhoseReplyWasLostIsFoundByItsHash() throws Exception {
    try (GraphStorage s = newStorage()) {
      byte[] data = bytes(2 * 327_680 + 9, 9);
      // the last fragment commits the file, yet its reply is a 500: the session is gone
      Storage.Written w =
          writeArming(s, "lost.bin", data, 327_680, () -> fake.storeThenFail(2, 500, -1));
      assertThat(w).isEqualTo(new Storage.Written("quickxorhash", QuickXorHash.of(data)));
      assertThat(fake.versions(drive(s), "ferry/root/lost.bin")).isEqualTo(1);
    }
  }

  @Test
  void aFinal201WithoutTheItemAndAHashNotComputedYetAreLookedUpBeforeVerifying() throws Exception {
    try (GraphStorage s = newStorage()) {
      byte[] data = bytes(4000, 10);
      fake.finalWithoutItem(1);
      Storage.Written w = put(s, "noitem.bin", data, 1_600_000_000_000L);
      assertThat(w).isEqualTo(new Storage.Written("quickxorhash", QuickXorHash.of(data)));
      fake.hashLagNext(2); // the reply and the first look-up lack the hash
      w = put(s, "nohash.bin", data, 1_600_000_000_000L);
      assertThat(w).isEqualTo(new Storage.Written("quickxorhash", QuickXorHash.of(data)));
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
      assertThat(state.load())
          .get()
          .asString()
          .startsWith("graph-session size=" + data.length + " ");
      long storedBefore = 2 * part;
      assertThat(sent1.get()).isEqualTo(storedBefore);
      long receivedAfterFirst = fake.bytesReceived() - received0;
      // the failed fragment arrived too, each time it was tried
      assertThat(receivedAfterFirst).isEqualTo((3 + GraphStorage.FRAGMENT_RECOVERIES) * part);

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

  /** A session a catalog kept in Graph's record from before the chunked-upload driver. */
  @Test
  void aSessionSavedInTheFormerGraphV1RecordIsStillContinued() throws Exception {
    try (GraphStorage s = newStorage()) {
      byte[] data = bytes(6 * 327_680 + 7, 9);
      Entry e = Entry.file("resume.bin", data.length, 1_600_000_000_000L);
      Storage.UploadState state = Storage.UploadState.inMemory();
      long part = 2 * 327_680;
      failThird(s, e, data, state, part, new AtomicLong()); // (failThird writes resume.bin)
      var saved = dev.ferry.activities.storage.upload.SavedUpload.parse(state.load().orElseThrow());
      state.save(
          "graph-v1 "
              + saved.size()
              + " "
              + saved.mtimeMillis()
              + " "
              + saved.partSize()
              + " "
              + saved.upload());

      AtomicLong sent = new AtomicLong();
      Storage.Written w =
          s.write("resume.bin", e, new ByteArrayInputStream(data), options(part, state, sent));
      assertThat(w.verifiedBy()).isEqualTo("quickxorhash");
      assertThat(sent.get()).isEqualTo(data.length - 2 * part); // continued, not restarted
      assertThat(read(s, "resume.bin")).isEqualTo(data);
      assertThat(fake.versions(drive(s), "ferry/root/resume.bin")).isEqualTo(1);
    }
  }

  private void failThird(
      GraphStorage s, Entry e, byte[] data, Storage.UploadState state, long part, AtomicLong sent) {
    // let two fragments through, then fail the next one every time it is tried in place
    AtomicLong count = new AtomicLong();
    Storage.WriteOptions o =
        new Storage.WriteOptions(
            true,
            part,
            state,
            n -> {
              sent.addAndGet(n);
              if (count.incrementAndGet() == 2) {
                fake.failFragments(1 + GraphStorage.FRAGMENT_RECOVERIES);
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
      // a sustained 503 block is throttling too, with the advice to lower concurrency
      fake.throttleNext(4, 503, 1);
      assertThatThrownBy(() -> put(s, "blocked.txt", bytes(10, 2), 1_600_000_000_000L))
          .isInstanceOf(StorageException.Throttled.class)
          .hasMessageContaining("serviceNotAvailable")
          .hasMessageContaining("lower the job's concurrency");
      // every request, to the API and to upload URLs, says who sends it as Microsoft asks
      assertThat(fake.userAgents()).containsExactly(GraphStorage.USER_AGENT);
      assertThat(GraphStorage.USER_AGENT).matches("ISV\\|Ferry\\|Ferry/[0-9][^ ]*");
      assertThat(s.stat("warm.txt")).isPresent();
    }
  }

  @Test
  void listsEveryPageOfALargeFolder() throws Exception {
    try (GraphStorage s = newStorage()) {
      fake.pageSize(7);
      try {
        for (int i = 0; i < 30; i++) {
          fake.putFile(
              drive(s),
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

  @Test
  void aFileTheLibraryRewritesIsAlteredWithBothSidesNotATransientMismatch() throws Exception {
    try (GraphStorage s = newStorage()) {
      fake.alterOfficeFiles(true);
      try {
        byte[] data = bytes(3000, 11);
        assertThatThrownBy(() -> put(s, "deck.pptx", data, 1_600_000_000_000L))
            .isInstanceOfSatisfying(
                StorageException.Altered.class,
                a -> {
                  assertThat(a.retryable()).isFalse();
                  assertThat(a.sentSize()).isEqualTo(data.length);
                  assertThat(a.sentHash()).isEqualTo(QuickXorHash.of(data));
                  assertThat(a.storedSize())
                      .isEqualTo(data.length + GraphDriveFake.LIBRARY_METADATA.length);
                  assertThat(a.storedHash()).isNotEqualTo(a.sentHash());
                })
            .hasMessageContaining("altered by the destination");
        assertThat(put(s, "plain.txt", data, 1_600_000_000_000L).verifiedBy())
            .isEqualTo("quickxorhash");
      } finally {
        fake.alterOfficeFiles(false);
      }
    }
  }

  @Test
  void thePathLimitCountsTheLibrarysServerRelativePathAsTheServiceDoes() throws Exception {
    fake.addSite("contoso.sharepoint.com", "team", "Documents");
    try (GraphStorage s = open("sharepoint://contoso.sharepoint.com/team/Documents/q1")) {
      s.recoveryPause(Duration.ofMillis(20));
      // the default library's URL is "Shared Documents": sites/team/Shared Documents/q1/...
      assertThat(s.serverRelativePath()).isEqualTo("sites/team/Shared Documents");
      int left = 400 - "sites/team/Shared Documents/".length() - "q1/".length();
      assertThat(s.nameRules().maxPathChars()).isEqualTo(left);
      String fits = "d/".repeat(20) + "x".repeat(left - 40);
      assertThat(s.nameRules().problem(fits)).isEmpty();
      put(s, fits, bytes(10, 1), 1_600_000_000_000L);
      String over = fits + "y";
      assertThat(s.nameRules().problem(over)).get().asString().contains("allows at most " + left);
      // what the scan refuses is what the service would refuse at upload
      assertThatThrownBy(() -> put(s, over, bytes(10, 1), 1_600_000_000_000L))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("pathIsTooLong");
    }
  }

  @Test
  void aFolderFormsIsRefusedAtALibrarysRootOnly() throws Exception {
    fake.addSite("contoso.sharepoint.com", "forms", "Documents");
    try (GraphStorage s = open("sharepoint://contoso.sharepoint.com/forms/Documents")) {
      assertThat(s.nameRules().problem("Forms/a.txt"))
          .get()
          .asString()
          .contains("reserves at the root of a library");
      assertThatThrownBy(() -> s.mkdirs("Forms"))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("invalidRequest");
      s.mkdirs("in/Forms");
    }
    try (GraphStorage s = open("sharepoint://contoso.sharepoint.com/forms/Documents/below")) {
      assertThat(s.nameRules().problem("Forms/a.txt")).isEmpty();
    }
  }
}
