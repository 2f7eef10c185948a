package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.MTIME;
import static dev.ferry.api.cli.FerryHarness.random;
import static dev.ferry.api.cli.FerryHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry check SOURCE DEST} on real trees: identical after a migration (exit 0), then every
 * kind of difference listed (exit 1) — a file missing, one extra, one of another size and one of
 * the same size and time but other content, which a check of sizes and times would miss — and a bad
 * location refused (exit 2).
 */
class CheckCommandTest {
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

  @Test
  void identicalTreesPassAndEveryDifferenceIsNamed() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int i = 0; i < 6; i++) {
      write(src.resolve("d/f" + i + ".bin"), random(5000 + i, i), MTIME);
    }
    FerryHarness.Result m = ferry.ferry("migrate", src.toString(), dst.toString());
    assertThat(m.code()).as(m.all()).isZero();
    FerryHarness.Result same = ferry.ferry("check", src.toString(), dst.toString());
    assertThat(same.code()).as(same.all()).isZero();
    assertThat(same.out())
        .contains("Identical: 6 files")
        .contains("Contents checked: 6 by sha256 read back.");

    Files.delete(dst.resolve("d/f0.bin"));
    write(dst.resolve("d/extra.txt"), random(10, 9), MTIME);
    write(dst.resolve("d/f1.bin"), random(10, 1), MTIME);
    write(dst.resolve("d/f2.bin"), random(5002, 99), MTIME); // same size and time, other bytes
    Path report = dir.resolve("diff.csv");
    FerryHarness.Result diff =
        ferry.ferry("check", src.toString(), dst.toString(), "--report", report.toString());
    assertThat(diff.code()).as(diff.all()).isEqualTo(1);
    assertThat(diff.out())
        .contains("missing  d/f0.bin")
        .contains("extra  d/extra.txt")
        .contains("size  d/f1.bin: 5001 bytes at the source, 10 at the destination")
        .contains("content  d/f2.bin: SHA-256")
        .contains("4 differences (1 missing, 1 extra, 1 size, 1 content) among 6 files")
        .contains("Contents checked: 4 by sha256 read back.");
    assertThat(Files.readAllLines(report))
        .hasSize(5)
        .first()
        .isEqualTo("path,kind,detail,checked_by");
    assertThat(Files.readAllLines(report)).anyMatch(l -> l.endsWith(",sha256 read back"));

    FerryHarness.Result bad = ferry.ferry("check", "nosuch://x", dst.toString());
    assertThat(bad.code()).as(bad.all()).isEqualTo(2);
    assertThat(bad.err()).contains("ferry check:");
  }
}
