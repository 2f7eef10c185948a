package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.MTIME;
import static dev.ferry.api.cli.FerryHarness.write;
import static dev.ferry.api.cli.MigrateLocalTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.testing.SftpTestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Symbolic links, named pipes, sockets and devices through the real {@code ferry migrate}: skipped
 * with the reason by default (never failures), {@code --links follow} inside the source root only,
 * {@code --links preserve} on local and SFTP destinations and refused up front for the others.
 */
class MigrateLinksTest {
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

  static void mkfifo(Path p) throws Exception {
    Process pr = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
    assertThat(pr.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(pr.exitValue()).isZero();
  }

  /**
   * Two files, a link to each, a link to their folder, a link to nothing and a named pipe; beside
   * the root, a file a link leads out to.
   */
  static Path tree(Path base) throws Exception {
    Path src = base.resolve("src");
    write(src.resolve("a.txt"), "alpha".getBytes(StandardCharsets.UTF_8), MTIME);
    write(src.resolve("docs/b.txt"), "bravo!".getBytes(StandardCharsets.UTF_8), MTIME);
    write(base.resolve("outside/secret.txt"), "outside".getBytes(StandardCharsets.UTF_8), MTIME);
    Files.createSymbolicLink(src.resolve("link-a"), Path.of("a.txt"));
    Files.createSymbolicLink(src.resolve("link-docs"), Path.of("docs"));
    Files.createSymbolicLink(src.resolve("link-nowhere"), Path.of("missing.txt"));
    mkfifo(src.resolve("pipe"));
    return src;
  }

  private static boolean exists(Path p) {
    return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
  }

  @Test
  @Timeout(120)
  void linksAndPipesAreSkippedWithTheReasonAndTheRunSucceeds() throws Exception {
    Path src = tree(dir);
    Path dst = dir.resolve("dst");
    Path csv = dir.resolve("r.csv");
    var r = ferry.ferry("migrate", src.toString(), dst.toString(), "--report", csv.toString());
    assertThat(r.code()).as(r.all()).isZero();
    assertThat(r.out())
        .as(r.all())
        .contains("6 files")
        .contains("2 transferred")
        .contains("4 skipped")
        .contains("0 failed")
        .doesNotContain("Failed files");
    Map<String, CSVRecord> rows = report(csv);
    assertThat(rows.get("link-a").get("outcome")).isEqualTo("skipped");
    assertThat(rows.get("link-a").get("reason")).isEqualTo("symbolic link, not followed");
    assertThat(rows.get("link-docs").get("reason")).isEqualTo("symbolic link, not followed");
    assertThat(rows.get("link-nowhere").get("outcome")).isEqualTo("skipped");
    assertThat(rows.get("pipe").get("outcome")).isEqualTo("skipped");
    assertThat(rows.get("pipe").get("reason")).isEqualTo("named pipe (FIFO), not copied");
    assertThat(rows.get("a.txt").get("outcome")).isEqualTo("transferred");
    assertThat(Files.readString(dst.resolve("docs/b.txt"))).isEqualTo("bravo!");
    assertThat(exists(dst.resolve("link-a"))).isFalse();
    assertThat(exists(dst.resolve("link-docs"))).isFalse();
    assertThat(exists(dst.resolve("pipe"))).isFalse();

    // the filters judge links and special files like files
    Path dst2 = dir.resolve("dst2");
    Path csv2 = dir.resolve("r2.csv");
    var x =
        ferry.ferry(
            "migrate",
            src.toString(),
            dst2.toString(),
            "--exclude",
            "link-*",
            "--report",
            csv2.toString());
    assertThat(x.code()).as(x.all()).isZero();
    assertThat(x.out()).as(x.all()).contains("3 files").contains("1 skipped");
    assertThat(report(csv2).keySet()).containsExactlyInAnyOrder("a.txt", "docs/b.txt", "pipe");
    var only =
        ferry.ferry(
            "migrate",
            src.toString(),
            dir.resolve("dst3").toString(),
            "--dry-run",
            "--include",
            "link-*");
    assertThat(only.code()).as(only.all()).isZero();
    assertThat(only.out()).as(only.all()).contains("3 files");
  }

  @Test
  @Timeout(120)
  void followCopiesWhatLinksLeadToInsideTheRootRefusesTheOthersAndNeverLoops() throws Exception {
    Path src = tree(dir);
    Files.createSymbolicLink(src.resolve("link-secret"), Path.of("../outside/secret.txt"));
    Files.createSymbolicLink(src.resolve("docs/loop"), Path.of(".."));
    Path dst = dir.resolve("dst");
    Path csv = dir.resolve("r.csv");
    var r =
        ferry.ferry(
            "migrate",
            src.toString(),
            dst.toString(),
            "--links",
            "follow",
            "--report",
            csv.toString());
    assertThat(r.code()).as(r.all()).isEqualTo(1);
    assertThat(r.out())
        .as(r.all())
        .contains("Failed files:")
        .contains("link-secret: symbolic link to '../outside/secret.txt' leads outside");
    Map<String, CSVRecord> rows = report(csv);
    assertThat(rows.get("link-a").get("outcome")).isEqualTo("transferred");
    assertThat(Files.isSymbolicLink(dst.resolve("link-a"))).isFalse();
    assertThat(Files.readString(dst.resolve("link-a"))).isEqualTo("alpha");
    assertThat(Files.readString(dst.resolve("link-docs/b.txt"))).isEqualTo("bravo!");
    assertThat(rows.get("link-docs/b.txt").get("outcome")).isEqualTo("transferred");
    assertThat(rows.get("link-secret").get("outcome")).isEqualTo("failed");
    assertThat(rows.get("link-secret").get("reason")).contains("not read");
    assertThat(exists(dst.resolve("link-secret"))).isFalse();
    assertThat(rows.get("docs/loop").get("outcome")).isEqualTo("skipped");
    assertThat(rows.get("docs/loop").get("reason")).contains("a loop");
    assertThat(rows.get("link-docs/loop").get("outcome")).isEqualTo("skipped");
    assertThat(rows.get("link-nowhere").get("reason")).contains("does not exist");
    assertThat(rows.get("pipe").get("reason")).isEqualTo("named pipe (FIFO), not copied");
    assertThat(rows).hasSize(9); // a.txt, docs/b.txt, link-a, link-docs/b.txt and five not copied

    var refused =
        ferry.ferry(
            "migrate", src.toString(), dst.toString(), "--links", "follow", "--delete-source");
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.err()).contains("--links follow").contains("--delete-source");
  }

  @Test
  @Timeout(120)
  void preserveRecreatesLinksOnceAndLeavesAnUnchangedLinkAlone() throws Exception {
    Path src = tree(dir);
    Files.createSymbolicLink(src.resolve("docs/up"), Path.of("../a.txt"));
    Files.createSymbolicLink(src.resolve("absolute"), dir.resolve("outside/secret.txt"));
    Path dst = dir.resolve("dst");
    Path csv = dir.resolve("r.csv");
    var r =
        ferry.ferry(
            "migrate",
            src.toString(),
            dst.toString(),
            "--links",
            "preserve",
            "--report",
            csv.toString());
    // the absolute link is refused: at the destination it would lead out of its root
    assertThat(r.code()).as(r.all()).isEqualTo(1);
    assertThat(r.out()).as(r.all()).contains("absolute: refused: symbolic link to '");
    Map<String, CSVRecord> rows = report(csv);
    assertThat(Files.readSymbolicLink(dst.resolve("link-a"))).isEqualTo(Path.of("a.txt"));
    assertThat(Files.readSymbolicLink(dst.resolve("link-docs"))).isEqualTo(Path.of("docs"));
    assertThat(Files.readSymbolicLink(dst.resolve("link-nowhere")))
        .isEqualTo(Path.of("missing.txt"));
    assertThat(Files.readSymbolicLink(dst.resolve("docs/up"))).isEqualTo(Path.of("../a.txt"));
    assertThat(Files.readString(dst.resolve("docs/up"))).isEqualTo("alpha");
    assertThat(rows.get("link-a").get("outcome")).isEqualTo("transferred");
    assertThat(rows.get("link-a").get("verified_by")).isEqualTo("link-target");
    assertThat(rows.get("absolute").get("outcome")).isEqualTo("failed");
    assertThat(exists(dst.resolve("absolute"))).isFalse();
    assertThat(rows.get("pipe").get("outcome")).isEqualTo("skipped");
    Object linkKey =
        Files.readAttributes(
                dst.resolve("link-a"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
            .fileKey();

    Files.delete(src.resolve("absolute"));
    Files.delete(src.resolve("link-nowhere"));
    Files.createSymbolicLink(src.resolve("link-nowhere"), Path.of("docs/b.txt"));
    Path csv2 = dir.resolve("r2.csv");
    var again =
        ferry.ferry(
            "migrate",
            src.toString(),
            dst.toString(),
            "--links",
            "preserve",
            "--report",
            csv2.toString());
    assertThat(again.code()).as(again.all()).isZero();
    Map<String, CSVRecord> rows2 = report(csv2);
    assertThat(rows2.get("link-a").get("outcome")).isEqualTo("unchanged");
    assertThat(rows2.get("docs/up").get("outcome")).isEqualTo("unchanged");
    assertThat(rows2.get("link-nowhere").get("outcome")).isEqualTo("transferred");
    assertThat(again.out()).as(again.all()).contains("1 transferred");
    assertThat(
            Files.readAttributes(
                    dst.resolve("link-a"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .fileKey())
        .isEqualTo(linkKey);
    assertThat(Files.readSymbolicLink(dst.resolve("link-nowhere")))
        .isEqualTo(Path.of("docs/b.txt"));
  }

  @Test
  void preserveIsRefusedUpFrontForADestinationWithoutLinks() throws Exception {
    Path src = tree(dir);
    var r = ferry.ferry("migrate", src.toString(), "s3://bucket/x", "--links", "preserve");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("--links preserve")
        .contains("s3://bucket/x")
        .contains("only local folders and sftp:// servers");
    var bad = ferry.ferry("migrate", src.toString(), dir.resolve("d").toString(), "--links", "x");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--links must be 'skip', 'follow' or 'preserve'");
  }

  @Test
  @Timeout(180)
  void linksOnAnSftpServerAreSkippedFollowedAndPreserved() throws Exception {
    Path served = sftp.dir().resolve("links-" + dir.getFileName());
    Path src = tree(served);
    Files.delete(src.resolve("pipe")); // the test server lists a pipe as a regular file
    Files.createSymbolicLink(src.resolve("link-secret"), Path.of("../outside/secret.txt"));
    String remote = sftp.uri("/" + sftp.dir().relativize(src)).toString();

    Path csv = dir.resolve("skip.csv");
    var skip =
        ferry.ferry("migrate", remote, dir.resolve("skip").toString(), "--report", csv.toString());
    assertThat(skip.code()).as(skip.all()).isZero();
    assertThat(skip.out()).as(skip.all()).contains("2 transferred").contains("4 skipped");
    assertThat(report(csv).get("link-a").get("reason")).isEqualTo("symbolic link, not followed");

    Path followed = dir.resolve("follow");
    Path csv2 = dir.resolve("follow.csv");
    var follow =
        ferry.ferry(
            "migrate",
            remote,
            followed.toString(),
            "--links",
            "follow",
            "--report",
            csv2.toString());
    assertThat(follow.code()).as(follow.all()).isEqualTo(1);
    assertThat(Files.readString(followed.resolve("link-a"))).isEqualTo("alpha");
    assertThat(Files.readString(followed.resolve("link-docs/b.txt"))).isEqualTo("bravo!");
    assertThat(report(csv2).get("link-secret").get("reason")).contains("outside the source root");
    assertThat(exists(followed.resolve("link-secret"))).isFalse();

    // local -> SFTP: the links are recreated on the server, and left alone the second time
    Path local = tree(dir.resolve("up"));
    Files.delete(local.resolve("pipe"));
    String target = sftp.uri("/preserved-" + dir.getFileName()).toString();
    Path on = sftp.dir().resolve("preserved-" + dir.getFileName());
    var up = ferry.ferry("migrate", local.toString(), target, "--links", "preserve");
    assertThat(up.code()).as(up.all()).isZero();
    assertThat(Files.readSymbolicLink(on.resolve("link-a"))).isEqualTo(Path.of("a.txt"));
    assertThat(Files.readSymbolicLink(on.resolve("link-docs"))).isEqualTo(Path.of("docs"));
    Path csv3 = dir.resolve("again.csv");
    var again =
        ferry.ferry(
            "migrate",
            local.toString(),
            target,
            "--links",
            "preserve",
            "--report",
            csv3.toString());
    assertThat(again.code()).as(again.all()).isZero();
    assertThat(again.out()).as(again.all()).contains("0 transferred");
    assertThat(report(csv3).get("link-a").get("outcome")).isEqualTo("unchanged");
  }
}
