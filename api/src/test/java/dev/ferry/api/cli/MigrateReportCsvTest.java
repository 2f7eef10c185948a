package dev.ferry.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry migrate --report} and {@code ferry check --report} with files a spreadsheet would
 * run as formulas: the cells are escaped as OWASP recommends (a leading single quote, quoted), the
 * files themselves keep their names.
 */
class MigrateReportCsvTest {
  static final List<String> NAMES = List.of("=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)");

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
  void formulaNamesAreEscapedInTheReportAndCopiedAsTheyAre() throws Exception {
    Path src = dir.resolve("src");
    Files.createDirectories(src);
    for (String n : NAMES) {
      // a '/' cannot be in a name: "=cmd|' " is a folder, the path's cell starts with '='
      Files.createDirectories(src.resolve(n).getParent());
      Files.writeString(src.resolve(n), "content of " + n);
    }
    Path dst = dir.resolve("dst");
    Path csv = dir.resolve("report.csv");
    var r = ferry.ferry("migrate", src.toString(), dst.toString(), "--report", csv.toString());
    assertThat(r.code()).as(r.all()).isZero();
    for (String n : NAMES) {
      assertThat(dst.resolve(n)).hasContent("content of " + n);
    }
    String text = Files.readString(csv);
    assertThat(text)
        .contains("\n\"'=cmd|' /C calc'!A0\",")
        .contains("\n\"'+1\",")
        .contains("\n\"'-1\",")
        .contains("\n\"'@SUM(1)\",");
    assertThat(MigrateLocalTest.report(csv).keySet())
        .containsExactlyInAnyOrder("'=cmd|' /C calc'!A0", "'+1", "'-1", "'@SUM(1)");

    // ferry check's differences too
    Files.writeString(dst.resolve("-1"), "changed");
    Path diff = dir.resolve("diff.csv");
    var c = ferry.ferry("check", src.toString(), dst.toString(), "--report", diff.toString());
    assertThat(c.code()).as(c.all()).isEqualTo(1);
    assertThat(Files.readString(diff)).contains("\n\"'-1\",");
  }
}
