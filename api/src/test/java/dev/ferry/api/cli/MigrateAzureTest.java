package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.MTIME;
import static dev.ferry.api.cli.FerryHarness.assertSameTree;
import static dev.ferry.api.cli.FerryHarness.awkwardTree;
import static dev.ferry.api.cli.MigrateLocalTest.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.testing.AzuriteServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry migrate} to and from Azure Blob Storage (Azurite). */
class MigrateAzureTest {
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

  @Test
  void localToAzureToLocalKeepsBytesAndTimes() throws Exception {
    Path src = dir.resolve("src");
    Path back = dir.resolve("back");
    awkwardTree(src);
    String remote = "azure://c" + UUID.randomUUID().toString().substring(0, 8) + "/migrated/set";
    Path csv = dir.resolve("r.csv");
    var up =
        ferry.ferry(
            "migrate", src.toString(), remote, "--chunk-size", "5", "--report", csv.toString());
    assertThat(up.code()).as(up.all()).isZero();
    assertThat(report(csv).get("big/large.bin").get("verified_by")).isEqualTo("md5-content");
    var down = ferry.ferry("migrate", remote, back.toString());
    assertThat(down.code()).as(down.all()).isZero();
    Files.createDirectories(back.resolve("empty folder/inner")); // blob storage has no folders
    assertSameTree(src, back);
    assertThat(Files.getLastModifiedTime(back.resolve("many/f3.txt")).toMillis())
        .isEqualTo(MTIME + 3000);
    assertThat(ferry.ferry("migrate", src.toString(), remote).out()).contains("0 transferred");
  }
}
