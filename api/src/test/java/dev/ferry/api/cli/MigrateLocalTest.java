package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.MTIME;
import static dev.ferry.api.cli.FerryHarness.assertSameTree;
import static dev.ferry.api.cli.FerryHarness.awkwardTree;
import static dev.ferry.api.cli.FerryHarness.random;
import static dev.ferry.api.cli.FerryHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry migrate} between local folders, end to end on PostgreSQL and the Temporal dev
 * server.
 */
class MigrateLocalTest {
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

  static Map<String, CSVRecord> report(Path csv) throws Exception {
    Map<String, CSVRecord> rows = new HashMap<>();
    try (Reader r = Files.newBufferedReader(csv)) {
      for (CSVRecord rec :
          CSVFormat.DEFAULT
              .builder()
              .setCommentMarker('#')
              .setHeader()
              .setSkipHeaderRecord(true)
              .get()
              .parse(r)) {
        rows.put(rec.get("path"), rec);
      }
    }
    return rows;
  }

  static Set<String> withOutcome(Map<String, CSVRecord> rows, String outcome) {
    Set<String> out = new TreeSet<>();
    rows.forEach(
        (p, r) -> {
          if (r.get("outcome").equals(outcome)) {
            out.add(p);
          }
        });
    return out;
  }

  @Test
  void copiesAnAwkwardTreeByteForByteWithTimesFoldersAndAReport() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    awkwardTree(src);
    Path csv = dir.resolve("report.csv");
    var r =
        ferry.ferry(
            "migrate",
            src.toString(),
            dst.toString(),
            "--chunk-size",
            "5",
            "--report",
            csv.toString());
    assertThat(r.code()).as(r.all()).isZero();
    assertThat(r.out())
        .contains("Completed in")
        .contains("success rate 100.0%")
        .contains(
            "\n  its history stays in this migration's local Temporal file; the Web UI above\n");
    assertSameTree(src, dst);
    assertThat(dst.resolve("empty folder/inner")).isDirectory();
    assertThat(Files.getLastModifiedTime(dst.resolve("a/b/c/deep.bin")).toMillis())
        .isEqualTo(MTIME);
    assertThat(Files.getLastModifiedTime(dst.resolve("many/f7.txt")).toMillis())
        .isEqualTo(MTIME + 7000);

    Map<String, CSVRecord> rows = report(csv);
    assertThat(rows).hasSize(FerryHarness.files(src).size());
    CSVRecord big = rows.get("big/large.bin");
    assertThat(big.get("outcome")).isEqualTo("transferred");
    assertThat(big.get("verified_by")).isEqualTo("sha256-reread");
    String sha =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256")
                    .digest(Files.readAllBytes(src.resolve("big/large.bin"))));
    assertThat(big.get("sha256")).isEqualTo(sha);
    String summary = Files.readString(csv);
    assertThat(summary).contains("# files_failed: 0").contains("# success_rate_percent: 100.0");
  }

  @Test
  void aFinishedCommandGivesItsDatabaseConnectionsBack() throws Exception {
    Path src = dir.resolve("src");
    FerryHarness.write(src.resolve("one.txt"), "1".getBytes(), MTIME);
    long before = connectionsToTheCatalog();
    for (int i = 0; i < 3; i++) {
      var r = ferry.ferry("migrate", src.toString(), dir.resolve("dst" + i).toString());
      assertThat(r.code()).as(r.all()).isZero();
    }
    // Three commands in this JVM, each with its own pool of at least two connections: none of them
    // is still connected. (The harness's own pool may open its second idle connection meanwhile,
    // and a closed connection's server process takes a moment to leave pg_stat_activity.)
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
    while (connectionsToTheCatalog() > before + 1 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(connectionsToTheCatalog()).isLessThanOrEqualTo(before + 1);
  }

  private long connectionsToTheCatalog() {
    return ferry
        .db
        .catalog()
        .jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select count(*) from pg_stat_activity where datname = current_database()")
                    .mapTo(Long.class)
                    .one());
  }

  @Test
  void aMetricsAddressThatIsNotOneIsAUsageErrorBeforeAnythingRuns() throws Exception {
    Path src = dir.resolve("src");
    FerryHarness.write(src.resolve("one.txt"), "1".getBytes(), MTIME);
    var r =
        ferry.ferry(
            "migrate", src.toString(), dir.resolve("dst").toString(), "--metrics-listen", "nine");
    assertThat(r.code()).as(r.all()).isEqualTo(Ferry.EXIT_USAGE);
    assertThat(r.err()).contains("'nine' is not an address to listen on: use host:port");
    assertThat(dir.resolve("dst")).doesNotExist();
  }

  @Test
  void dryRunCountsAndWritesNothing() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    awkwardTree(src);
    var r = ferry.ferry("migrate", src.toString(), dst.toString(), "--dry-run");
    assertThat(r.code()).as(r.all()).isZero();
    int n = FerryHarness.files(src).size();
    assertThat(r.out())
        .contains("Dry run finished")
        .contains(n + " files")
        .contains("would transfer " + n + " files")
        .contains("0 would fail")
        .contains("nothing was written");
    assertThat(dst).doesNotExist();
  }

  @Test
  void secondRunTransfersNothingAndThenExactlyWhatChanged() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    awkwardTree(src);
    Path csv = dir.resolve("r.csv");
    assertThat(ferry.ferry("migrate", src.toString(), dst.toString()).code()).isZero();

    var second = ferry.ferry("migrate", src.toString(), dst.toString(), "--report", csv.toString());
    assertThat(second.code()).as(second.all()).isZero();
    assertThat(second.out()).contains("0 transferred");
    assertThat(withOutcome(report(csv), "transferred")).isEmpty();

    write(src.resolve("many/f1.txt"), random(500, 99), MTIME + 99_000); // new content
    write(
        src.resolve("a/b/c/deep.bin"),
        random(70_000, 98),
        MTIME); // same size and time, new bytes? see below
    write(src.resolve("new/added.txt"), random(10, 97), MTIME);
    // only the time changes: the hash decides it is unchanged
    Files.setLastModifiedTime(
        src.resolve("top.txt"), java.nio.file.attribute.FileTime.fromMillis(MTIME + 5_000));
    Files.setLastModifiedTime(
        src.resolve("a/b/c/deep.bin"), java.nio.file.attribute.FileTime.fromMillis(MTIME + 1_000));

    var third = ferry.ferry("migrate", src.toString(), dst.toString(), "--report", csv.toString());
    assertThat(third.code()).as(third.all()).isZero();
    Map<String, CSVRecord> rows = report(csv);
    assertThat(withOutcome(rows, "transferred"))
        .containsExactlyInAnyOrder("many/f1.txt", "a/b/c/deep.bin", "new/added.txt");
    assertThat(rows.get("top.txt").get("outcome")).isEqualTo("unchanged");
    assertThat(rows.get("top.txt").get("reason")).contains("SHA-256");
    assertSameTree(src, dst);
    assertThat(Files.getLastModifiedTime(dst.resolve("many/f1.txt")).toMillis())
        .isEqualTo(MTIME + 99_000);
  }

  @Test
  void filtersChooseWhatMoves() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    awkwardTree(src);
    var r =
        ferry.ferry(
            "migrate",
            src.toString(),
            dst.toString(),
            "--include",
            "*.txt",
            "--exclude",
            "many/f1*",
            "--older-than",
            "2020-09-13T12:27:00Z");
    assertThat(r.code()).as(r.all()).isZero();
    // f0..f29 have mtimes MTIME + i s; MTIME is 2020-09-13T12:26:40Z, so f0..f19 are older than the
    // bound
    Set<String> got = FerryHarness.files(dst).keySet();
    assertThat(got)
        .contains(
            "top.txt",
            "with space/file name.txt",
            "many/f0.txt",
            "many/f19.txt".replace("19", "9"));
    assertThat(got)
        .doesNotContain(
            "many/f1.txt",
            "many/f10.txt",
            "many/f15.txt",
            "many/f25.txt",
            "big/large.bin",
            "empty.dat");
  }

  @Test
  void deleteSourceRemovesOnlyVerifiedCopiesAndEmptiedFolders() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    Path keep = dir.resolve("copy");
    awkwardTree(src);
    awkwardTree(keep);
    var r =
        ferry.ferry(
            "migrate", src.toString(), dst.toString(), "--delete-source", "--remove-empty-dirs");
    assertThat(r.code()).as(r.all()).isZero();
    assertSameTree(keep, dst);
    assertThat(FerryHarness.files(src)).isEmpty();
    assertThat(src.resolve("a")).doesNotExist();
    assertThat(src).isDirectory(); // the root itself stays
  }

  @Test
  void eachInvalidOptionIsRefusedWithAClearMessage() throws Exception {
    Path src = dir.resolve("src");
    Files.createDirectories(src);
    String s = src.toString();
    String d = dir.resolve("dst").toString();
    Map<List<String>, String> cases = new java.util.LinkedHashMap<>();
    cases.put(List.of("--concurrency", "0"), "--concurrency must be between 1 and 32 (got 0)");
    cases.put(List.of("--concurrency", "33"), "--concurrency must be between 1 and 32 (got 33)");
    cases.put(
        List.of("--chunk-size", "300"), "--chunk-size must be between 5 and 256 MiB (got 300");
    cases.put(List.of("--chunk-size", "1"), "--chunk-size must be between 5 and 256 MiB (got 1");
    cases.put(
        List.of("--bwlimit", "-3"),
        "--bwlimit must be between 0 and 1000000 Mbps, 0 for no limit (got -3)");
    cases.put(
        List.of("--older-than", "yesterdayish"), "--older-than 'yesterdayish' is neither a date");
    cases.put(List.of("--newer-than", "3x"), "--newer-than '3x' is neither a date");
    cases.put(List.of("--include", "[oops"), "--include '[oops' is not a valid pattern");
    cases.put(
        List.of("--remove-empty-dirs"), "--remove-empty-dirs only applies with --delete-source");
    cases.put(List.of("--delete-source", "--no-verify"), "cannot be combined with --no-verify");
    cases.put(List.of("--report", dir.resolve("nope/r.csv").toString()), "--report: the folder");
    cases.put(
        List.of("--s3-endpoint", "localhost:9000"),
        "--s3-endpoint must be an http:// or https:// URL");
    cases.put(List.of("--concurrency", "many"), "Invalid value for option '--concurrency'");
    cases.put(List.of("--frobnicate"), "Unknown option: '--frobnicate'");
    cases.put(List.of("--concurency", "8"), "Did you mean --concurrency?");
    cases.put(
        List.of("--bwlimit", "fast"),
        "'fast' is not a bandwidth in megabits per second; give a number such as --bwlimit 100");
    cases.put(List.of("--retries", "101"), "--retries must be between 0 and 100 (got 101)");
    cases.put(
        List.of("--full-speed-window", "18:00-06:00"),
        "--full-speed-window lifts the --bwlimit cap inside the window: give --bwlimit too");
    cases.put(
        List.of("--full-speed-window", "18-6", "--bwlimit", "10"), "--full-speed-window '18-6@");
    cases.put(
        List.of("--full-speed-window", "18:00-06:00", "--timezone", "Mars/Base", "--bwlimit", "10"),
        "unknown time zone");
    cases.put(List.of("--timezone", "UTC"), "--timezone only applies with --full-speed-window");
    for (var c : cases.entrySet()) {
      List<String> args = new java.util.ArrayList<>(List.of("migrate", s, d));
      args.addAll(c.getKey());
      var r = ferry.ferry(args.toArray(String[]::new));
      assertThat(r.code()).as(c.getKey() + ": " + r.all()).isEqualTo(Ferry.EXIT_USAGE);
      assertThat(r.err()).as(c.getKey().toString()).contains(c.getValue()).contains("--help");
    }
    var missing = ferry.ferry("migrate", dir.resolve("nowhere").toString(), d);
    assertThat(missing.code()).isEqualTo(Ferry.EXIT_USAGE);
    assertThat(missing.err()).contains("does not exist");
    var inside = ferry.ferry("migrate", s, src.resolve("sub").toString());
    assertThat(inside.err()).contains("DEST is inside SOURCE");
    var scheme = ferry.ferry("migrate", s, "ftp://host/x");
    assertThat(scheme.err()).contains("unknown location scheme 'ftp:'");
    assertThat(dir.resolve("dst")).doesNotExist();
  }

  @Test
  void aPermanentlyFailingFileIsReportedAndTheOthersComplete() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    awkwardTree(src);
    // a file stands where the destination needs the folder "with space"
    write(dst.resolve("with space"), random(5, 1), MTIME);
    Path csv = dir.resolve("r.csv");
    var r = ferry.ferry("migrate", src.toString(), dst.toString(), "--report", csv.toString());
    assertThat(r.code()).as(r.all()).isEqualTo(Ferry.EXIT_FAILED);
    assertThat(r.out())
        .contains("Completed with errors in")
        .contains("1 failed\n  and 1 folder failed")
        .contains("Failed files:")
        .contains("with space: permanent error") // the folder that cannot be created
        .contains("with space/file name.txt: permanent error");
    Map<String, CSVRecord> rows = report(csv);
    CSVRecord bad = rows.get("with space/file name.txt");
    assertThat(bad.get("outcome")).isEqualTo("failed");
    assertThat(bad.get("reason")).contains("permanent error");
    assertThat(bad.get("attempts")).isEqualTo("1"); // not retried
    assertThat(withOutcome(rows, "transferred")).hasSize(rows.size() - 1);
    assertThat(Files.readAllBytes(dst.resolve("big/large.bin")))
        .isEqualTo(Files.readAllBytes(src.resolve("big/large.bin")));
    // the state says so everywhere, and the counts add up
    assertThat(Files.readString(csv)).contains("state COMPLETED_WITH_ERRORS");
    Map<String, Long> n = summaryCounts(r.out());
    assertThat(n.get("found"))
        .isEqualTo((long) FerryHarness.files(src).size())
        .isEqualTo(n.get("transferred") + n.get("unchanged") + n.get("skipped") + n.get("failed"));
    assertThat(n.get("failed")).isEqualTo(1);
  }

  /** The figures of the summary ("12 files (1.0 MiB) found", "3 transferred (...)", ...). */
  static Map<String, Long> summaryCounts(String out) {
    Map<String, Long> n = new HashMap<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "([0-9][0-9,]*) (?:files? \\([^)]*\\) )?(found|transferred|unchanged|skipped|failed"
                    + "|would fail)")
            .matcher(out);
    while (m.find()) {
      n.putIfAbsent(m.group(2), Long.parseLong(m.group(1).replace(",", "")));
    }
    java.util.regex.Matcher t =
        java.util.regex.Pattern.compile("would transfer ([0-9,]+) files").matcher(out);
    if (t.find()) {
      n.put("would transfer", Long.parseLong(t.group(1).replace(",", "")));
    }
    return n;
  }

  @Test
  void helpNamesEveryLocationAndItsCredentialsAndNoLineIsCutOff() {
    var top = ferry.ferry("--help");
    assertThat(top.code()).isZero();
    assertThat(top.out())
        .contains("migrate  Copy SOURCE to DEST as a durable, verified, resumable migration.")
        .contains("server   Run Ferry as a service: dashboard, REST API, central worker, local")
        .contains("cutover  Drive a job's cutover on a Ferry server.");
    for (String line : top.out().split("\\R")) {
      assertThat(line.length()).as(line).isLessThanOrEqualTo(100);
    }
    var migrate = ferry.ferry("migrate", "--help");
    assertThat(migrate.out())
        .contains("onedrive://user@domain/path")
        .contains("sharepoint://host/site/library/path")
        .contains("FERRY_GRAPH_CLIENT_ID")
        .contains("AZURE_STORAGE_CONNECTION_STRING")
        .contains("FERRY_SFTP_PASSWORD")
        .contains("--retries")
        .contains("Exit codes: 0 every file done");
  }
}
