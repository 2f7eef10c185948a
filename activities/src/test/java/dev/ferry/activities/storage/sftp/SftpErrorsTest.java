package dev.ferry.activities.storage.sftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Locations;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.activities.testing.SftpTestServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Failures, settings and concurrency of the SFTP connector against an in-process server. */
class SftpErrorsTest {
  @TempDir static Path work;
  static SftpTestServer server;
  static ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private static int n;

  private static final Storage.WriteOptions VERIFY = new Storage.WriteOptions(true, 5 << 20);

  @BeforeAll
  static void start() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    logs.start();
    root.addAppender(logs);
    server = SftpTestServer.start(work);
  }

  @AfterAll
  static void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    server.close();
  }

  private static String freshRoot() {
    return "/e" + n++;
  }

  private static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static Storage.Written put(Storage s, String path, byte[] data, long mtime) {
    return s.write(
        path, Entry.file(path, data.length, mtime), new ByteArrayInputStream(data), VERIFY);
  }

  private static SftpSettings withEnv(String root, Map<String, String> env) {
    return SftpSettings.fromUri(server.uri(root), env);
  }

  @Test
  void wrongPasswordIsAccessDeniedNamingTheVariables() {
    Map<String, String> env = server.passwordEnv();
    env.put(SftpSettings.PASSWORD, "not-the-password");
    assertThatThrownBy(() -> new SftpStorage(withEnv("/", env)).close())
        .isInstanceOf(StorageException.AccessDenied.class)
        .hasMessageContaining("refused the login of user 'ferry'")
        .hasMessageContaining(SftpSettings.PASSWORD)
        .hasMessageContaining(SftpSettings.KEY_FILE)
        .hasMessageNotContaining("not-the-password");
  }

  @Test
  void wrongKeyPassphraseIsAccessDeniedNamingIt() {
    Map<String, String> env = server.keyEnv();
    env.put(SftpSettings.KEY_PASSPHRASE, "wrong");
    assertThatThrownBy(() -> new SftpStorage(withEnv("/", env)).close())
        .isInstanceOf(StorageException.AccessDenied.class)
        .hasMessageContaining(SftpSettings.KEY_FILE)
        .hasMessageContaining(SftpSettings.KEY_PASSPHRASE);
  }

  @Test
  void aHostKeyMissingFromKnownHostsIsRefused() throws Exception {
    Path empty = Files.writeString(work.resolve("empty_known_hosts"), "");
    Map<String, String> env = server.passwordEnv();
    env.put(SftpSettings.KNOWN_HOSTS, empty.toString());
    assertThatThrownBy(() -> new SftpStorage(withEnv("/", env)).close())
        .isInstanceOf(StorageException.AccessDenied.class)
        .hasMessageContaining(SftpSettings.KNOWN_HOSTS)
        .hasMessageContaining("SHA256:");
  }

  @Test
  void withoutKnownHostsTheKeyIsAcceptedAndLoggedOncePerHostWithItsFingerprint() {
    for (int i = 0; i < 3; i++) {
      try (Storage s = new SftpStorage(server.settings(freshRoot()))) {
        assertThat(s.stat("x")).isEmpty();
      }
    }
    List<String> warnings =
        List.copyOf(logs.list).stream()
            .filter(e -> e.getLevel() == Level.WARN)
            .filter(e -> e.getLoggerName().equals(HostKeys.class.getName()))
            .map(ILoggingEvent::getFormattedMessage)
            .filter(m -> m.contains("127.0.0.1:" + server.port()))
            .toList();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains("SHA256:").contains(SftpSettings.KNOWN_HOSTS);
    assertThat(List.copyOf(logs.list))
        .extracting(ILoggingEvent::getFormattedMessage)
        .noneMatch(m -> m.contains(SftpTestServer.PASSWORD));
  }

  @Test
  void anEd25519HostKeyIsCheckedAndAnEncryptedEd25519UserKeyLogsIn() throws Exception {
    try (SftpTestServer ed = SftpTestServer.startWithEd25519Keys(work.resolve("ed25519"))) {
      assertThat(Files.readString(ed.knownHosts())).contains(" ssh-ed25519 ");
      assertThat(Files.readString(ed.keyFile())).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
      byte[] data = bytes(1000, 7);
      try (Storage s = new SftpStorage(ed.keySettings("/ok"))) {
        put(s, "a.bin", data, 1_700_000_000_000L);
      }
      assertThat(Files.readAllBytes(ed.dir().resolve("ok/a.bin"))).isEqualTo(data);
      Path other = work.resolve("other_known_hosts");
      // another server's (ECDSA) key listed for this one's address: refused, naming the key
      Files.writeString(
          other,
          Files.readString(server.knownHosts())
              .replace("]:" + server.port() + " ", "]:" + ed.port() + " "));
      Map<String, String> env = ed.keyEnv();
      env.put(SftpSettings.KNOWN_HOSTS, other.toString());
      assertThatThrownBy(() -> new SftpStorage(SftpSettings.fromUri(ed.uri("/"), env)).close())
          .isInstanceOf(StorageException.AccessDenied.class)
          .hasMessageContaining("ssh-ed25519 SHA256:");
    }
  }

  @Test
  void noKeyExchangeInCommonIsPermanentAndNamesWhatTheServerOffers() throws Exception {
    try (SftpTestServer old =
        SftpTestServer.startWithOnlyObsoleteKeyExchange(work.resolve("old"))) {
      assertThatThrownBy(
              () -> new SftpStorage(SftpSettings.fromUri(old.uri("/"), old.passwordEnv())).close())
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("127.0.0.1:" + old.port())
          .hasMessageContaining("offers only key exchange algorithms [diffie-hellman-group1-sha1]")
          .hasMessageContaining("curve25519-sha256")
          .hasMessageContaining("KexAlgorithms");
    }
  }

  @Test
  void anUnreachableServerIsTransient() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    URI uri = URI.create("sftp://ferry@127.0.0.1:" + port + "/x");
    assertThatThrownBy(() -> new SftpStorage(SftpSettings.fromUri(uri, server.passwordEnv())))
        .isInstanceOf(StorageException.Transient.class)
        .hasMessageContaining("cannot connect");
  }

  @Test
  void anUnknownHostIsPermanent() {
    URI uri = URI.create("sftp://ferry@no-such-host.invalid/x");
    assertThatThrownBy(() -> new SftpStorage(SftpSettings.fromUri(uri, server.passwordEnv())))
        .isInstanceOf(StorageException.Permanent.class)
        .hasMessageContaining("unknown host");
  }

  @Test
  void missingFileIsNotFound() {
    try (Storage s = new SftpStorage(server.settings(freshRoot()))) {
      put(s, "here.txt", bytes(3, 1), 1_600_000_000_000L);
      assertThat(s.stat("missing.txt")).isEmpty();
      assertThatThrownBy(() -> s.open("missing.txt").close())
          .isInstanceOf(StorageException.NotFound.class)
          .hasMessageContaining("missing.txt")
          .hasMessageContaining("SSH_FX_NO_SUCH_FILE");
      s.delete("missing.txt");
    }
  }

  @Test
  void passwordInTheUriIsRefusedWithoutEchoingIt() {
    URI uri = URI.create("sftp://ferry:hunter2@example.com/data");
    assertThatThrownBy(() -> SftpSettings.fromUri(uri, server.passwordEnv()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(SftpSettings.PASSWORD)
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> Locations.canonical("sftp://ferry:hunter2@example.com/data"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(SftpSettings.PASSWORD)
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void locationsNeedAUserAndAHost() {
    assertThatThrownBy(() -> Locations.canonical("sftp://example.com/data"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no user");
    assertThatThrownBy(() -> Locations.canonical("sftp:///data"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no host");
  }

  @Test
  void canonicalFormDropsTheDefaultPortAndTrailingSlashes() {
    assertThat(Locations.canonical("sftp://bob@Files.Example.com:22/srv/data/"))
        .isEqualTo("sftp://bob@files.example.com/srv/data");
    assertThat(Locations.canonical("sftp://bob@host:2222/my files"))
        .isEqualTo("sftp://bob@host:2222/my%20files");
    SftpSettings s =
        SftpSettings.fromUri(
            URI.create(Locations.canonical("sftp://bob@host:2222/my files/")),
            Map.of(SftpSettings.PASSWORD, "pw"));
    assertThat(s.root()).isEqualTo("/my files");
    assertThat(s.port()).isEqualTo(2222);
    assertThat(s.toString()).doesNotContain("pw,").contains("auth=password");
    assertThat(
            SftpSettings.fromUri(URI.create("sftp://bob@host"), Map.of("FERRY_SFTP_PASSWORD", "x"))
                .root())
        .isEqualTo("/");
  }

  @Test
  void missingCredentialsNameTheVariables() {
    assertThatThrownBy(() -> SftpSettings.fromUri(URI.create("sftp://bob@host/x"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(SftpSettings.PASSWORD)
        .hasMessageContaining(SftpSettings.KEY_FILE);
    assertThatThrownBy(
            () ->
                SftpSettings.fromUri(
                    URI.create("sftp://bob@host/x"),
                    Map.of(SftpSettings.KEY_FILE, work.resolve("no-such-key").toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(SftpSettings.KEY_FILE);
  }

  @Test
  void modificationTimesArePreservedToTheSecond() throws Exception {
    String root = freshRoot();
    try (Storage s = new SftpStorage(server.settings(root))) {
      put(s, "a/dated.txt", bytes(10, 1), 1_500_000_000_987L);
      assertThat(s.stat("a/dated.txt"))
          .get()
          .extracting(Entry::mtimeMillis)
          .isEqualTo(1_500_000_000_000L);
      Path local = server.dir().resolve(root.substring(1)).resolve("a/dated.txt");
      assertThat(Files.getLastModifiedTime(local))
          .isEqualTo(FileTime.fromMillis(1_500_000_000_000L));
      List<Entry> listed = new ArrayList<>();
      s.list(listed::add, p -> {});
      assertThat(listed)
          .contains(Entry.file("a/dated.txt", 10, 1_500_000_000_000L))
          .anyMatch(e -> e.folder() && e.path().equals("a"));
    }
  }

  @Test
  void sixteenParallelWritesThroughOneInstanceAllLandIntact() throws Exception {
    try (Storage s = new SftpStorage(server.settings(freshRoot()));
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Storage.Written>> writes = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        int k = i;
        writes.add(
            pool.submit(
                () ->
                    put(
                        s,
                        "p/" + (k % 4) + "/f" + k + ".bin",
                        bytes(300_000 + k, k),
                        1_600_000_000_000L)));
      }
      for (Future<Storage.Written> w : writes) {
        assertThat(w.get().verifiedBy()).isEqualTo("sha256-reread");
      }
      for (int i = 0; i < 16; i++) {
        try (InputStream in = s.open("p/" + (i % 4) + "/f" + i + ".bin")) {
          assertThat(in.readAllBytes()).isEqualTo(bytes(300_000 + i, i));
        }
      }
      List<Entry> files = new ArrayList<>();
      s.list(
          e -> {
            if (!e.folder()) {
              files.add(e);
            }
          },
          p -> {});
      assertThat(files).hasSize(16);
    }
  }

  @Test
  void thirtyTwoOpenStreamsShareTheChannelsWithoutWaitingForEachOther() throws Exception {
    try (Storage s = new SftpStorage(server.settings(freshRoot()));
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 32; i++) {
        put(s, "r/f" + i, bytes(200_000, i), 0);
      }
      // All 32 open at once (more than the 4 channels), then read in parallel.
      List<InputStream> open = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        open.add(s.open("r/f" + i));
      }
      List<Future<byte[]>> reads = new ArrayList<>();
      for (InputStream in : open) {
        reads.add(
            pool.submit(
                () -> {
                  try (in) {
                    return in.readAllBytes();
                  }
                }));
      }
      for (int i = 0; i < 32; i++) {
        assertThat(reads.get(i).get()).isEqualTo(bytes(200_000, i));
      }
    }
  }

  @Test
  void aServerThatAllowsFewerChannelsIsUsedWithThoseItAllows() throws Exception {
    try (SftpTestServer small = SftpTestServer.startWithMaxChannels(work.resolve("small"), 2)) {
      Map<String, String> env = small.passwordEnv();
      env.put(SftpSettings.CHANNELS, "8");
      try (Storage s = new SftpStorage(SftpSettings.fromUri(small.uri("/"), env));
          ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<Storage.Written>> writes = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          int k = i;
          writes.add(pool.submit(() -> put(s, "f" + k, bytes(100_000, k), 0)));
        }
        for (Future<Storage.Written> w : writes) {
          assertThat(w.get().verifiedBy()).isEqualTo("sha256-reread");
        }
      }
    }
  }

  @Test
  void aSourceThatGivesFewerBytesThanAnnouncedIsTransientAndLeavesNothing() {
    try (Storage s = new SftpStorage(server.settings(freshRoot()))) {
      byte[] data = bytes(100, 1);
      assertThatThrownBy(
              () ->
                  s.write(
                      "short.bin",
                      Entry.file("short.bin", 200, 0),
                      new ByteArrayInputStream(data),
                      VERIFY))
          .isInstanceOf(StorageException.Transient.class)
          .hasMessageContaining("source changed");
      assertThat(s.stat("short.bin")).isEmpty();
      List<Entry> all = new ArrayList<>();
      s.list(all::add, p -> {});
      assertThat(all).isEmpty();
    }
  }

  @Test
  void deletingANonEmptyFolderIsPermanentAndAnEmptyOneWorks() {
    try (Storage s = new SftpStorage(server.settings(freshRoot()))) {
      put(s, "full/f.txt", bytes(1, 1), 0);
      s.mkdirs("empty");
      assertThatThrownBy(() -> s.delete("full"))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("not empty");
      s.delete("empty");
      assertThat(s.stat("empty")).isEmpty();
      assertThat(s.stat("full")).get().extracting(Entry::folder).isEqualTo(true);
    }
  }

  @Test
  void aFileInTheWayOfAFolderIsPermanent() {
    try (Storage s = new SftpStorage(server.settings(freshRoot()))) {
      put(s, "blocker", bytes(1, 1), 0);
      assertThatThrownBy(() -> put(s, "blocker/inside.txt", bytes(1, 2), 0))
          .isInstanceOf(StorageException.Permanent.class);
      s.mkdirs("dir/sub");
      assertThatThrownBy(() -> put(s, "dir", bytes(1, 2), 0))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("folder stands where the file should go");
    }
  }

  @Test
  void symlinksAreListedAsLinksAndLeftoverPartialFilesAreHidden() throws Exception {
    String root = freshRoot();
    try (Storage s = new SftpStorage(server.settings(root))) {
      put(s, "real.txt", bytes(5, 1), 0);
      Path local = server.dir().resolve(root.substring(1));
      Files.createSymbolicLink(local.resolve("link.txt"), local.resolve("real.txt"));
      Files.writeString(local.resolve(SftpStorage.TEMP_PREFIX + "abc"), "half a file");
      List<Entry> entries = new ArrayList<>();
      List<Storage.ListingProblem> problems = new ArrayList<>();
      s.list(entries::add, problems::add);
      // a link is an entry of its own kind (the scan skips it by default), never a problem
      assertThat(entries)
          .extracting(Entry::path, Entry::kind)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("real.txt", Entry.Kind.FILE),
              org.assertj.core.groups.Tuple.tuple("link.txt", Entry.Kind.LINK));
      assertThat(problems).isEmpty();
    }
  }

  @Test
  void aRootThatDoesNotExistListsNothingAndIsCreatedByTheFirstWrite() {
    String root = freshRoot() + "/not/yet";
    try (Storage s = new SftpStorage(server.settings(root))) {
      s.list(
          e -> {
            throw new AssertionError(e);
          },
          p -> {
            throw new AssertionError(p);
          });
      put(s, "first.txt", bytes(4, 4), 0);
      assertThat(Files.exists(server.dir().resolve(root.substring(1)).resolve("first.txt")))
          .isTrue();
    }
  }

  @Test
  void survivesADroppedConnection() throws Exception {
    try (Storage s = new SftpStorage(server.settings(freshRoot()))) {
      put(s, "before.txt", bytes(10, 1), 0);
      server.dropConnections();
      // Requests in flight when the connection drops fail as transient (the engine retries);
      // the next ones reconnect.
      Storage.Written w = null;
      for (int attempt = 0; attempt < 20 && w == null; attempt++) {
        try {
          w = put(s, "after.txt", bytes(10, 2), 0);
        } catch (StorageException.Transient e) {
          Thread.sleep(100);
        }
      }
      assertThat(w).isNotNull();
      assertThat(s.stat("before.txt")).isPresent();
    }
  }
}
