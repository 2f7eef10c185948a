package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.MTIME;
import static dev.ferry.api.cli.FerryHarness.assertSameTree;
import static dev.ferry.api.cli.FerryHarness.awkwardTree;
import static dev.ferry.api.cli.MigrateLocalTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.storage.sftp.SftpSettings;
import dev.ferry.activities.testing.OpenSshServer;
import dev.ferry.activities.testing.SftpTestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ferry migrate} to and from an SFTP server: Apache MINA SSHD in process, and a real OpenSSH
 * sshd whose only host key is ed25519, logged in to with an ed25519 key.
 */
class MigrateSftpTest {
  @TempDir static Path home;
  @TempDir static Path serverDir;
  static FerryHarness ferry;
  static SftpTestServer mina;
  static OpenSshServer openssh;
  @TempDir Path dir;

  @BeforeAll
  static void up() throws Exception {
    ferry = new FerryHarness(home);
    mina = SftpTestServer.start(serverDir);
  }

  @AfterAll
  static void down() throws Exception {
    mina.close();
    if (openssh != null) {
      openssh.close();
    }
    ferry.close();
  }

  /** The OpenSSH server, started by the first test that needs it (skipped where it cannot run). */
  static OpenSshServer openssh() throws Exception {
    if (openssh == null) {
      openssh = OpenSshServer.start(OpenSshServer.HostKeys.ED25519_ONLY);
    }
    return openssh;
  }

  /** Points the harness's SFTP settings at {@code server} and returns its location of root. */
  static String use(String server, String root) throws Exception {
    ferry.env.remove(SftpSettings.PASSWORD);
    if (server.equals("openssh")) {
      ferry.env.putAll(openssh().keyEnv());
      return openssh().uri(root).toString();
    }
    ferry.env.putAll(mina.keyEnv());
    return mina.uri(root).toString();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"mina", "openssh"})
  void localToSftpToLocalKeepsBytesTimesAndFolders(String server) throws Exception {
    Path src = dir.resolve("src");
    Path back = dir.resolve("back");
    awkwardTree(src);
    String remote = use(server, "/upload/" + dir.getFileName());
    Path csv = dir.resolve("r.csv");
    var up = ferry.ferry("migrate", src.toString(), remote, "--report", csv.toString());
    assertThat(up.code()).as(up.all()).isZero();
    assertThat(report(csv).get("big/large.bin").get("verified_by")).isEqualTo("sha256-reread");
    var down = ferry.ferry("migrate", remote, back.toString());
    assertThat(down.code()).as(down.all()).isZero();
    assertSameTree(src, back);
    assertThat(back.resolve("empty folder/inner")).isDirectory();
    // SFTP keeps seconds
    assertThat(Files.getLastModifiedTime(back.resolve("many/f3.txt")).toMillis() / 1000)
        .isEqualTo((MTIME + 3000) / 1000);
    var again = ferry.ferry("migrate", src.toString(), remote);
    assertThat(again.out()).as(again.all()).contains("0 transferred");
  }

  @Test
  @Timeout(120)
  void aNamedPipeOnAnOpenSshSourceIsSkippedAsSpecial() throws Exception {
    // OpenSSH sends the whole mode, so the pipe is seen for what it is (MINA's server would list
    // it as a regular file, and reading it would wait for a writer forever)
    String remote = use("openssh", "/with-pipe");
    Path src = Files.createDirectories(openssh().dir().resolve("with-pipe"));
    Files.writeString(src.resolve("a.txt"), "alpha");
    MigrateLinksTest.mkfifo(src.resolve("pipe"));
    Path dst = dir.resolve("dst");
    Path csv = dir.resolve("r.csv");
    var r = ferry.ferry("migrate", remote, dst.toString(), "--report", csv.toString());
    assertThat(r.code()).as(r.all()).isZero();
    assertThat(r.out()).as(r.all()).contains("1 transferred").contains("1 skipped");
    Map<String, CSVRecord> rows = report(csv);
    assertThat(rows.get("pipe").get("outcome")).isEqualTo("skipped");
    assertThat(rows.get("pipe").get("reason")).isEqualTo("named pipe (FIFO), not copied");
    assertThat(Files.readString(dst.resolve("a.txt"))).isEqualTo("alpha");
    assertThat(Files.exists(dst.resolve("pipe"))).isFalse();
  }

  @Test
  @Timeout(120)
  void aServerWithNoHostKeyTypeInCommonEndsTheRunAtOnceWithExitTwo() throws Exception {
    try (OpenSshServer dsa = OpenSshServer.start(OpenSshServer.HostKeys.DSA_ONLY)) {
      ferry.env.putAll(dsa.keyEnv());
      Path src = Files.createDirectories(dir.resolve("src"));
      Files.writeString(src.resolve("a.txt"), "alpha");
      long start = System.nanoTime();
      var r = ferry.ferry("migrate", src.toString(), dsa.uri("/dsa").toString());
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
      assertThat(r.code()).as(r.all()).isEqualTo(Ferry.EXIT_USAGE);
      assertThat(r.all())
          .contains("offers only host key algorithms [ssh-dss]")
          .contains("ssh-ed25519")
          .doesNotContain("tries it again");
      // a transient error would have been retried for minutes
      assertThat(seconds).as(r.all()).isLessThan(60);
    }
  }

  @Test
  @Timeout(120)
  void aRefusedPasswordEndsTheRunAtOnceWithExitTwo() throws Exception {
    OpenSshServer s = openssh();
    Map<String, String> env = s.passwordEnv();
    env.put(SftpSettings.PASSWORD, "not-the-password");
    ferry.env.remove(SftpSettings.KEY_FILE);
    ferry.env.remove(SftpSettings.KEY_PASSPHRASE);
    ferry.env.putAll(env);
    Path src = Files.createDirectories(dir.resolve("src"));
    Files.write(src.resolve("a.txt"), "alpha".getBytes(StandardCharsets.UTF_8));
    var r = ferry.ferry("migrate", src.toString(), s.passwordUri("/refused").toString());
    assertThat(r.code()).as(r.all()).isEqualTo(Ferry.EXIT_USAGE);
    assertThat(r.all())
        .contains("refused the login of user '" + OpenSshServer.PASSWORD_USER + "'")
        .contains(SftpSettings.PASSWORD)
        .doesNotContain("not-the-password");
    ferry.env.remove(SftpSettings.PASSWORD);
  }
}
