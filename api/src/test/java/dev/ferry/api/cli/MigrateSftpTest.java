package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.MTIME;
import static dev.ferry.api.cli.FerryHarness.assertSameTree;
import static dev.ferry.api.cli.FerryHarness.awkwardTree;
import static dev.ferry.api.cli.MigrateLocalTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.testing.SftpTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry migrate} to and from an SFTP server (Apache MINA SSHD, in process). */
class MigrateSftpTest {
  @TempDir static Path home;
  @TempDir static Path serverDir;
  static FerryHarness ferry;
  static SftpTestServer sftp;
  @TempDir Path dir;

  @BeforeAll
  static void up() throws Exception {
    ferry = new FerryHarness(home);
    sftp = SftpTestServer.start(serverDir);
    ferry.env.putAll(sftp.keyEnv());
  }

  @AfterAll
  static void down() throws Exception {
    sftp.close();
    ferry.close();
  }

  @Test
  void localToSftpToLocalKeepsBytesTimesAndFolders() throws Exception {
    Path src = dir.resolve("src");
    Path back = dir.resolve("back");
    awkwardTree(src);
    String remote = sftp.uri("/upload/" + dir.getFileName()).toString();
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
}
