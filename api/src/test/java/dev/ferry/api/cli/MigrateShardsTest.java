package dev.ferry.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry migrate} of a tree larger than {@code --shard-items}: split into shards along its
 * folder tree, each its own workflow, on PostgreSQL and the Temporal dev server.
 */
class MigrateShardsTest {
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

  static Map<String, String> contents(Path root) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(root.relativize(p).toString(), Files.readString(p));
      }
    }
    return out;
  }

  @Test
  void aLargeTreeRunsAsShardsAndARerunCopiesNothing() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int d = 0; d < 6; d++) {
      for (int f = 0; f < 10; f++) {
        Path p = src.resolve("dept" + d + "/f" + f + ".txt");
        Files.createDirectories(p.getParent());
        Files.writeString(p, "dept " + d + " file " + f);
      }
    }
    // 60 files and 6 folders, over 25 items: three shards of two folders (22 items) each
    var r = ferry.ferry("migrate", src.toString(), dst.toString(), "--shard-items", "25");
    assertThat(r.code()).as(r.all()).isZero();
    assertThat(r.out())
        .contains("60 transferred")
        .contains(
            "Large source: split along its folder tree into 3 shards, each its own workflow"
                + " (…-shard-<n>): 22 items, 22 items, 22 items");
    assertThat(contents(dst)).isEqualTo(contents(src));

    var again = ferry.ferry("migrate", src.toString(), dst.toString(), "--shard-items", "25");
    assertThat(again.code()).as(again.all()).isZero();
    assertThat(again.out()).contains("0 transferred").contains("60 unchanged");

    // a dry run says how it would be split, here at an explicit point
    var scan =
        ferry.ferry(
            "migrate",
            src.toString(),
            dir.resolve("elsewhere").toString(),
            "--dry-run",
            "--split-at",
            "dept3");
    assertThat(scan.code()).as(scan.all()).isZero();
    assertThat(scan.out())
        .contains(
            "Large source: would be split along its folder tree into 2 shards, each its own"
                + " workflow (…-shard-<n>): 33 items, 33 items");

    var bad = ferry.ferry("migrate", src.toString(), dst.toString(), "--split-at", "../etc");
    assertThat(bad.code()).isEqualTo(Ferry.EXIT_USAGE);
    assertThat(bad.err()).contains("--split-at '../etc' must not contain empty, '.' or '..' parts");
  }
}
