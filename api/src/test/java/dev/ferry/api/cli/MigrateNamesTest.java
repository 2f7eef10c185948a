package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.MTIME;
import static dev.ferry.api.cli.MigrateLocalTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.testing.AzuriteServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names the destination refuses, with the real command against Azurite: Azure drops a trailing
 * {@code .} from blob names, so {@code notes.} would silently become {@code notes}. By default such
 * paths are refused and the dry run says what {@code --names remap} would call them; with remap
 * they are copied under a look-alike name and the report pairs both names.
 */
class MigrateNamesTest {
  @TempDir static Path home;
  static FerryHarness ferry;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    ferry = new FerryHarness(home);
    ferry.env.putAll(AzuriteServer.get().env());
  }

  @AfterAll
  static void down() throws Exception {
    ferry.close();
  }

  private static String container() {
    return "azure://n" + UUID.randomUUID().toString().substring(0, 8) + "/p";
  }

  private Path tree() throws Exception {
    Path src = dir.resolve("src");
    FerryHarness.write(src.resolve("ok.txt"), bytes("fine"), MTIME);
    FerryHarness.write(src.resolve("notes."), bytes("trailing dot"), MTIME);
    FerryHarness.write(src.resolve("dir./inner.txt"), bytes("inside a dotted folder"), MTIME);
    return src;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void byDefaultARefusedNameIsReportedWithTheNameRemapWouldGiveIt() throws Exception {
    Path src = tree();
    var r = ferry.ferry("migrate", src.toString(), container(), "--dry-run");
    assertThat(r.code()).as(r.all()).isEqualTo(Ferry.EXIT_FAILED);
    assertThat(r.out())
        .contains("Problems found:")
        .contains(
            "notes.: refused: 'notes.' ends with '.', which Azure Blob Storage does not allow"
                + " (with the option names=remap it would be copied as 'notes\uFF0E')")
        .contains("dir./inner.txt: refused: 'dir.' ends with '.'")
        .doesNotContain("ok.txt: refused");

    var full = ferry.ferry("migrate", src.toString(), container());
    assertThat(full.code()).as(full.all()).isEqualTo(Ferry.EXIT_FAILED);
    assertThat(full.out()).contains("1 transferred").contains("2 failed");
  }

  @Test
  void remapCopiesUnderLookAlikeNamesAndTheReportIsTheRenameMap() throws Exception {
    Path src = tree();
    String remote = container();
    Path csv = dir.resolve("r.csv");
    var dry = ferry.ferry("migrate", src.toString(), remote, "--names", "remap", "--dry-run");
    assertThat(dry.code()).as(dry.all()).isZero();
    assertThat(dry.out())
        .contains("Would rename for the destination")
        .contains("notes. -> notes\uFF0E");

    var up =
        ferry.ferry(
            "migrate", src.toString(), remote, "--names", "remap", "--report", csv.toString());
    assertThat(up.code()).as(up.all()).isZero();
    assertThat(up.out())
        .contains("3 transferred")
        .contains("Renamed for the destination")
        .contains("notes. -> notes\uFF0E")
        .contains("dir./inner.txt -> dir\uFF0E/inner.txt");
    var rows = report(csv);
    assertThat(rows.get("notes.").get("destination_path")).isEqualTo("notes\uFF0E");
    assertThat(rows.get("dir./inner.txt").get("destination_path")).isEqualTo("dir\uFF0E/inner.txt");
    assertThat(rows.get("ok.txt").get("destination_path")).isEmpty();
    assertThat(rows.get("notes.").get("verified_by")).isEqualTo("md5-content");

    // what Azure holds, brought back: the look-alike names, with the original bytes
    Path back = dir.resolve("back");
    var down = ferry.ferry("migrate", remote, back.toString());
    assertThat(down.code()).as(down.all()).isZero();
    assertThat(Files.readString(back.resolve("notes\uFF0E"))).isEqualTo("trailing dot");
    assertThat(Files.readString(back.resolve("dir\uFF0E/inner.txt")))
        .isEqualTo("inside a dotted folder");
    assertThat(Files.readString(back.resolve("ok.txt"))).isEqualTo("fine");
    assertThat(Files.exists(back.resolve("notes"))).isFalse();

    // the next run compares against the remapped names: nothing to send
    var again = ferry.ferry("migrate", src.toString(), remote, "--names", "remap");
    assertThat(again.code()).as(again.all()).isZero();
    assertThat(again.out()).contains("0 transferred").contains("3 unchanged");
  }

  @Test
  void aRemappedNameThatAnotherSourcePathAlreadyHasIsRefused() throws Exception {
    Path src = dir.resolve("src");
    FerryHarness.write(src.resolve("a."), bytes("dot"), MTIME);
    FerryHarness.write(src.resolve("a\uFF0E"), bytes("look-alike already"), MTIME);
    var r = ferry.ferry("migrate", src.toString(), container(), "--names", "remap");
    assertThat(r.code()).as(r.all()).isEqualTo(Ferry.EXIT_FAILED);
    assertThat(r.out())
        .contains("1 transferred")
        .contains(
            "a.: refused: its remapped name 'a\uFF0E' is also the name of another path of the"
                + " source");
  }

  @Test
  void anUnknownNamesChoiceIsRefusedBeforeAnythingStarts() throws Exception {
    var r = ferry.ferry("migrate", tree().toString(), container(), "--names", "rename");
    assertThat(r.code()).as(r.all()).isEqualTo(Ferry.EXIT_USAGE);
    assertThat(r.err()).contains("--names must be 'refuse' or 'remap' (got 'rename')");
  }
}
