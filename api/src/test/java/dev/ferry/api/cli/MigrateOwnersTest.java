package dev.ferry.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry migrate --owners owners.csv} end to end on PostgreSQL and the Temporal dev server:
 * each owner its own workflow under the job run's, a staged start with {@code --only-owner}, then
 * everyone (the first owner's files are not copied again), a staged dry run, and the per-owner
 * summary with its traffic lights.
 */
class MigrateOwnersTest {
  @TempDir static Path home;
  static FerryHarness ferry;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    ferry = new FerryHarness(home);
  }

  @AfterAll
  static void down() throws Exception {
    ferry.close();
  }

  private Path tree() throws Exception {
    Path src = dir.resolve("src");
    FerryHarness.write(
        src.resolve("alice/a.txt"), FerryHarness.random(1000, 1), FerryHarness.MTIME);
    FerryHarness.write(
        src.resolve("alice/deep/b.txt"), FerryHarness.random(2000, 2), FerryHarness.MTIME);
    FerryHarness.write(src.resolve("bob/c.txt"), FerryHarness.random(3000, 3), FerryHarness.MTIME);
    Files.createSymbolicLink(src.resolve("bob/link"), Path.of("c.txt")); // skipped: yellow
    FerryHarness.write(
        src.resolve("carol/d.txt"), FerryHarness.random(4000, 4), FerryHarness.MTIME);
    Files.writeString(src.resolve("dave"), "a file, not a folder"); // red
    return src;
  }

  private Path owners(String csv) throws Exception {
    Path f = dir.resolve("owners.csv");
    Files.writeString(f, csv);
    return f;
  }

  /** The words of the summary table's line of one owner. */
  private static String[] row(String out, String owner) {
    return Arrays.stream(out.split("\n"))
        .filter(l -> l.startsWith("  " + owner + " "))
        .findFirst()
        .map(l -> l.trim().split("\\s+"))
        .orElseThrow(() -> new AssertionError("no row of " + owner + " in:\n" + out));
  }

  @Test
  void aStagedStartOfOneOwnerThenEveryoneWithAPerOwnerSummary() throws Exception {
    Path src = tree();
    Path dst = dir.resolve("dst");
    Path csv =
        owners(
            "name,source,destination\nAlice,alice,users/alice\nBob,bob,\nCarol,carol,users/carol\n");

    // one owner first
    FerryHarness.Result one =
        ferry.ferry(
            "migrate",
            src.toString(),
            dst.toString(),
            "--owners",
            csv.toString(),
            "--only-owner",
            "Alice");
    assertThat(one.code()).as(one.all()).isZero();
    assertThat(one.out()).contains("Copying 1 owner of the 3 in the owners file");
    assertThat(one.out()).contains("Owners: 1 — 1 green, 0 yellow, 0 red");
    assertThat(row(one.out(), "Alice"))
        .containsExactly("Alice", "green", "completed", "2", "2.9", "KiB", "0", "0");
    assertThat(dst.resolve("users/alice/deep/b.txt"))
        .hasSameBinaryContentAs(src.resolve("alice/deep/b.txt"));
    assertThat(dst.resolve("bob")).doesNotExist();
    assertThat(dst.resolve("users/carol")).doesNotExist();

    // then everyone: Alice's files are not copied again, the report says so
    Path report = dir.resolve("report.csv");
    FerryHarness.Result all =
        ferry.ferry(
            "migrate",
            src.toString(),
            dst.toString(),
            "--owners",
            csv.toString(),
            "--report",
            report.toString());
    assertThat(all.code()).as(all.all()).isZero();
    assertThat(all.out()).contains("Copying 3 owners, each as its own workflow.");
    assertThat(all.out()).contains("2 transferred").contains("2 unchanged").contains("1 skipped");
    assertThat(all.out()).contains("Owners: 3 — 2 green, 1 yellow, 0 red");
    assertThat(row(all.out(), "Bob"))
        .containsExactly("Bob", "yellow", "completed", "2", "2.9", "KiB", "0", "1");
    // yellow first, then green in the file's order
    String table = all.out().substring(all.out().indexOf("Owners: 3"));
    assertThat(table.indexOf("  Bob ")).isLessThan(table.indexOf("  Alice "));
    assertThat(table.indexOf("  Alice ")).isLessThan(table.indexOf("  Carol "));
    Map<String, CSVRecord> rows = MigrateLocalTest.report(report);
    assertThat(rows.get("alice/a.txt").get("outcome")).isEqualTo("unchanged");
    assertThat(rows.get("alice/a.txt").get("owner")).isEqualTo("Alice");
    assertThat(rows.get("alice/deep/b.txt").get("outcome")).isEqualTo("unchanged");
    assertThat(rows.get("bob/c.txt").get("outcome")).isEqualTo("transferred");
    assertThat(rows.get("carol/d.txt").get("outcome")).isEqualTo("transferred");
    assertThat(rows.get("bob/link").get("outcome")).isEqualTo("skipped");
    assertThat(dst.resolve("bob/c.txt")).hasSameBinaryContentAs(src.resolve("bob/c.txt"));
    assertThat(dst.resolve("users/carol/d.txt")).hasSameBinaryContentAs(src.resolve("carol/d.txt"));
    for (String line : all.out().split("\n")) {
      if (!line.startsWith("Workflow ")
          && !line.startsWith("Ferry: ")
          && !line.startsWith("Using ")) {
        assertThat(line.length()).as(line).isLessThanOrEqualTo(80);
      }
    }
  }

  @Test
  void anOwnerThatFailsAsAWholeIsRedWithItsReasonAndTheOthersGoOn() throws Exception {
    Path src = tree();
    Path dst = dir.resolve("dst");
    Path csv = owners("name,source\nAlice,alice\nDave,dave\n");
    FerryHarness.Result r =
        ferry.ferry("migrate", src.toString(), dst.toString(), "--owners", csv.toString());
    assertThat(r.code()).as(r.all()).isEqualTo(1);
    assertThat(r.out()).contains("Owners: 2 — 1 green, 0 yellow, 1 red");
    assertThat(row(r.out(), "Dave")).startsWith("Dave", "red", "failed");
    assertThat(r.out()).contains("dave is a file, not a folder");
    String table = r.out().substring(r.out().indexOf("Owners: 2"));
    assertThat(table.indexOf("  Dave ")).as("red first").isLessThan(table.indexOf("  Alice "));
    assertThat(dst.resolve("alice/deep/b.txt")).exists();
  }

  @Test
  void aDryRunIsStagedTheSameWayAndWritesNothing() throws Exception {
    Path src = tree();
    Path dst = dir.resolve("dst");
    Path csv = owners("name,source,destination\nAlice,alice,\nBob,bob,\nCarol,carol,\n");
    FerryHarness.Result r =
        ferry.ferry(
            "migrate",
            src.toString(),
            dst.toString(),
            "--owners",
            csv.toString(),
            "--dry-run",
            "--only-owner",
            "carol",
            "--only-owner",
            "Alice");
    assertThat(r.code()).as(r.all()).isZero();
    assertThat(r.out()).contains("Scanning 2 owners of the 3 in the owners file");
    assertThat(r.out()).contains("would transfer 3 files");
    assertThat(row(r.out(), "Alice")).startsWith("Alice", "green", "completed", "2");
    assertThat(row(r.out(), "Carol")).startsWith("Carol", "green", "completed", "1");
    assertThat(r.out()).doesNotContain("  Bob ");
    assertThat(dst).doesNotExist();
  }

  @Test
  void anOwnerWhoseFolderIsMissingIsRedAndTheSummarySaysItsFilesAreNotCounted() throws Exception {
    Path src = tree();
    Path csv = owners("name,source\nAlice,alice\nGhost,ghost\n");
    FerryHarness.Result r =
        ferry.ferry(
            "migrate", src.toString(), dir.resolve("dst").toString(), "--owners", csv.toString());
    assertThat(r.code()).as(r.all()).isEqualTo(1);
    assertThat(r.out())
        .contains("Ghost: failed (red), 0 files, 0 B: scan failed: ")
        .contains("ghost does not exist: check the source's path")
        .contains("  1 owner failed before a file was found: the figures above leave it out")
        .contains("Owners: 2 — 1 green, 0 yellow, 1 red");
    assertThat(dir.resolve("dst/alice")).isDirectory();
    assertThat(dir.resolve("dst/ghost")).doesNotExist();
  }

  @Test
  void onlyOwnerNamingNoOwnerOfTheFileIsRefusedWithTheNearestName() throws Exception {
    Path src = tree();
    Path csv = owners("name,source\nAlice,alice\nBob,bob\n");
    FerryHarness.Result r =
        ferry.ferry(
            "migrate",
            src.toString(),
            dir.resolve("dst").toString(),
            "--owners",
            csv.toString(),
            "--only-owner",
            "Alise");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("--only-owner 'Alise'")
        .contains("has no owner of that name; did you mean 'Alice'? (owners: Alice, Bob)");
    r =
        ferry.ferry(
            "migrate", src.toString(), dir.resolve("dst").toString(), "--only-owner", "Alice");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--only-owner picks owners of --owners OWNERS.csv");
    Path bad = owners("name,source\nA,../up\nB,bob\nC,bob/inner\n");
    r =
        ferry.ferry(
            "migrate", src.toString(), dir.resolve("dst").toString(), "--owners", bad.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("line 2.source: '../up'")
        .contains("line 4.source: 'bob/inner' overlaps the source path 'bob' of owner #2");
    assertThat(dir.resolve("dst")).doesNotExist();
  }
}
