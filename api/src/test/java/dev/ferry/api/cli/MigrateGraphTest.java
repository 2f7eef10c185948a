package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.MTIME;
import static dev.ferry.api.cli.FerryHarness.assertSameTree;
import static dev.ferry.api.cli.FerryHarness.awkwardTree;
import static dev.ferry.api.cli.MigrateLocalTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.testing.GraphDriveFake;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry migrate} to and from a OneDrive, with the real Graph SDK against the Graph fake. */
class MigrateGraphTest {
  @TempDir static Path home;
  static FerryHarness ferry;
  static GraphDriveFake graph;
  @TempDir Path dir;

  @BeforeAll
  static void up() throws Exception {
    ferry = new FerryHarness(home);
    graph = GraphDriveFake.start();
    graph.pageSize(10); // the 30 files of many/ take three pages
    ferry.env.putAll(graph.env());
  }

  @AfterAll
  static void down() throws Exception {
    ferry.close();
    graph.close();
  }

  @Test
  void localToOneDriveToLocalKeepsBytesTimesAndFolders() throws Exception {
    Path src = dir.resolve("src");
    Path back = dir.resolve("back");
    awkwardTree(src);
    String user = "u" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
    graph.addUser(user);
    String remote = "onedrive://" + user + "/migrated/set";
    Path csv = dir.resolve("r.csv");
    var up =
        ferry.ferry(
            "migrate", src.toString(), remote, "--chunk-size", "5", "--report", csv.toString());
    assertThat(up.code()).as(up.all()).isZero();
    assertThat(report(csv).get("big/large.bin").get("verified_by")).isEqualTo("quickxorhash");
    assertThat(graph.requests()).anyMatch(r -> r.startsWith("PUT /upload/"));
    var down = ferry.ferry("migrate", remote, back.toString());
    assertThat(down.code()).as(down.all()).isZero();
    assertSameTree(src, back);
    assertThat(Files.isDirectory(back.resolve("empty folder/inner"))).isTrue(); // real folders
    assertThat(Files.getLastModifiedTime(back.resolve("many/f3.txt")).toMillis())
        .isEqualTo(MTIME + 3000);
    long received = graph.bytesReceived();
    assertThat(ferry.ferry("migrate", src.toString(), remote).out()).contains("0 transferred");
    assertThat(graph.bytesReceived()).isEqualTo(received);
  }

  @Test
  void namesOneDriveRefusesAreRefusedByTheDryRunAndRemappedOnRequest() throws Exception {
    Path src = dir.resolve("src");
    FerryHarness.write(src.resolve("plan: v2?.txt"), "colon".getBytes(), MTIME);
    FerryHarness.write(src.resolve("CON"), "reserved".getBytes(), MTIME);
    FerryHarness.write(src.resolve("~$draft.docx"), "owner file".getBytes(), MTIME);
    FerryHarness.write(src.resolve("site_vti_cnf/page.htm"), "vti".getBytes(), MTIME);
    FerryHarness.write(src.resolve("fine.txt"), "fine".getBytes(), MTIME);
    String user = "n" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
    String drive = graph.addUser(user);
    String remote = "onedrive://" + user + "/names";

    var dry = ferry.ferry("migrate", src.toString(), remote, "--dry-run");
    assertThat(dry.code()).as(dry.all()).isEqualTo(Ferry.EXIT_FAILED);
    assertThat(dry.out())
        .as(dry.all())
        .contains(
            "plan: v2?.txt: refused: 'plan: v2?.txt' contains ':', which OneDrive does not allow")
        .contains("CON: refused: 'CON' is a name OneDrive reserves")
        .contains("~$draft.docx: refused: '~$draft.docx' starts with '~'")
        .contains("site_vti_cnf/page.htm: refused: 'site_vti_cnf' contains '_vti_'")
        .doesNotContain("fine.txt: refused");

    Path csv = dir.resolve("names.csv");
    var up =
        ferry.ferry(
            "migrate", src.toString(), remote, "--names", "remap", "--report", csv.toString());
    assertThat(up.code()).as(up.all()).isZero();
    assertThat(up.out()).contains("5 transferred").contains("CON -> CON_");
    assertThat(report(csv).get("plan: v2?.txt").get("destination_path"))
        .isEqualTo("plan\uFF1A v2\uFF1F.txt");
    assertThat(graph.content(drive, "names/plan\uFF1A v2\uFF1F.txt")).hasValue("colon".getBytes());
    assertThat(graph.content(drive, "names/CON_")).hasValue("reserved".getBytes());
    assertThat(graph.content(drive, "names/\uFF5E$draft.docx")).hasValue("owner file".getBytes());
    assertThat(graph.content(drive, "names/site_vti\uFF3Fcnf/page.htm")).hasValue("vti".getBytes());
    assertThat(graph.content(drive, "names/fine.txt")).hasValue("fine".getBytes());
  }

  @Test
  void twoNamesThatDifferOnlyInCaseAreNotMergedIntoOneFile() throws Exception {
    Path src = dir.resolve("src");
    FerryHarness.write(src.resolve("docs/Report.txt"), "upper".getBytes(), MTIME);
    FerryHarness.write(src.resolve("docs/report.txt"), "lower".getBytes(), MTIME);
    FerryHarness.write(src.resolve("Docs/other.txt"), "folders merge".getBytes(), MTIME);
    String user = "c" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
    String drive = graph.addUser(user);
    String remote = "onedrive://" + user + "/case";
    var r = ferry.ferry("migrate", src.toString(), remote);
    assertThat(r.code()).as(r.all()).isEqualTo(Ferry.EXIT_FAILED);
    assertThat(r.out())
        .contains("2 transferred")
        .containsPattern(
            "docs/(R|r)eport.txt: refused: OneDrive does not tell names apart by case, and"
                + " 'docs/(r|R)eport.txt' has the same name");
    boolean upperKept = r.out().contains("docs/report.txt: refused");
    byte[] stored =
        graph
            .content(drive, "case/docs/Report.txt")
            .or(() -> graph.content(drive, "case/docs/report.txt"))
            .orElseThrow();
    assertThat(new String(stored)).isEqualTo(upperKept ? "upper" : "lower");

    var again = ferry.ferry("migrate", src.toString(), remote);
    assertThat(again.out()).contains("0 transferred").contains("2 unchanged").contains("1 failed");
  }

  @Test
  void officeFilesALibraryRewritesAreReportedAlteredNeverRetriedAndAcceptedOnRequest()
      throws Exception {
    Path src = dir.resolve("src");
    FerryHarness.write(src.resolve("plan.docx"), "word document".getBytes(), MTIME);
    FerryHarness.write(src.resolve("notes.txt"), "plain text".getBytes(), MTIME);
    String user = "a" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
    String drive = graph.addUser(user);
    String remote = "onedrive://" + user + "/library";
    graph.alterOfficeFiles(true);
    try {
      Path csv = dir.resolve("altered.csv");
      var r = ferry.ferry("migrate", src.toString(), remote, "--report", csv.toString());
      assertThat(r.code()).as(r.all()).isEqualTo(Ferry.EXIT_FAILED);
      assertThat(r.out())
          .as(r.all())
          .contains("Completed with errors")
          .contains("1 transferred")
          .contains("0 failed")
          .contains("1 file stored but altered by the destination")
          .contains("--accept-altered office")
          .doesNotContain("not attempted");
      // once: an upload that is rewritten every time is never retried (each try a version)
      assertThat(graph.versions(drive, "library/plan.docx")).isEqualTo(1);
      var row = report(csv).get("plan.docx");
      long stored = "word document".length() + GraphDriveFake.LIBRARY_METADATA.length;
      assertThat(row.get("outcome")).isEqualTo("altered");
      assertThat(row.get("attempts")).isEqualTo("1");
      assertThat(row.get("size")).isEqualTo(Long.toString("word document".length()));
      assertThat(row.get("destination_size")).isEqualTo(Long.toString(stored));
      assertThat(row.get("sent_hash"))
          .isEqualTo(
              dev.ferry.activities.storage.graph.QuickXorHash.of("word document".getBytes()));
      assertThat(row.get("destination_hash"))
          .isEqualTo(
              dev.ferry.activities.storage.graph.QuickXorHash.of(
                  graph.content(drive, "library/plan.docx").orElseThrow()));
      assertThat(report(csv).get("notes.txt").get("outcome")).isEqualTo("transferred");

      // accepted: the same file is kept as the job's copy and the next run leaves it alone
      var ok = ferry.ferry("migrate", src.toString(), remote, "--accept-altered", "office");
      assertThat(ok.code()).as(ok.all()).isZero();
      assertThat(ok.out()).contains("Completed in").contains("all accepted");
      assertThat(graph.versions(drive, "library/plan.docx")).isEqualTo(2);
      var again = ferry.ferry("migrate", src.toString(), remote, "--accept-altered", "office");
      assertThat(again.code()).as(again.all()).isZero();
      assertThat(again.out()).contains("0 transferred").contains("2 unchanged");
      assertThat(graph.versions(drive, "library/plan.docx")).isEqualTo(2);

      var bad = ferry.ferry("migrate", src.toString(), remote, "--accept-altered", "pdf");
      assertThat(bad.code()).isEqualTo(Ferry.EXIT_USAGE);
      assertThat(bad.all()).contains("--accept-altered must be none, office or all");
    } finally {
      graph.alterOfficeFiles(false);
    }
  }
}
