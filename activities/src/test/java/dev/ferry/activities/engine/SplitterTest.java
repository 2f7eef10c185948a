package dev.ferry.activities.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.catalog.ShardOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The split of a large owner along its folder tree, as a plain service. */
class SplitterTest {

  /** Files and folders of a tree, sorted in folder-tree order and numbered from 1. */
  private static List<Splitter.Row> tree(List<String> paths) {
    TreeSet<String> all = new TreeSet<>(Splitter.TREE_ORDER);
    for (String p : paths) {
      all.add(p);
      for (int i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
        all.add(p.substring(0, i) + "/"); // its folders, marked by a trailing slash here
      }
    }
    List<Splitter.Row> rows = new ArrayList<>();
    long seq = 0;
    TreeSet<String> sorted = new TreeSet<>(Splitter.TREE_ORDER);
    all.forEach(p -> sorted.add(p.endsWith("/") ? p.substring(0, p.length() - 1) : p));
    for (String p : sorted) {
      boolean folder = all.contains(p + "/");
      rows.add(new Splitter.Row(++seq, p, folder, folder ? 0 : 10, !folder));
    }
    return rows;
  }

  private static List<String> files(String folder, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add((folder.isEmpty() ? "" : folder + "/") + String.format("f%03d.txt", i));
    }
    return out;
  }

  private static List<Splitter.Shard> split(List<Splitter.Row> rows, ShardOptions o) {
    long bytes = rows.stream().mapToLong(Splitter.Row::size).sum();
    Splitter s = new Splitter(o, rows.size(), bytes, 0);
    rows.forEach(s::add);
    return s.shards();
  }

  /** The shards are contiguous, start at the first row, end at the last: each row once. */
  private static void assertPartition(List<Splitter.Row> rows, List<Splitter.Shard> shards) {
    long from = 0;
    long items = 0;
    for (Splitter.Shard s : shards) {
      assertThat(s.fromSeq()).isEqualTo(from);
      assertThat(s.toSeq()).isGreaterThan(s.fromSeq());
      from = s.toSeq();
      items += s.items();
    }
    assertThat(from).isEqualTo(rows.getLast().seq());
    assertThat(items).isEqualTo(rows.size());
  }

  /** The folder each shard's rows are in, below the root: shards along the tree hold whole ones. */
  private static List<String> firstPaths(List<Splitter.Shard> shards) {
    return shards.stream().map(Splitter.Shard::firstPath).toList();
  }

  @Test
  void cutsAlongFoldersIntoShardsUnderTheThreshold() {
    List<String> paths = new ArrayList<>();
    for (String d : List.of("a", "b", "c", "d", "e", "f")) {
      paths.addAll(files(d, 20)); // 6 folders of 20 files: 126 items
    }
    List<Splitter.Row> rows = tree(paths);
    List<Splitter.Shard> shards = split(rows, new ShardOptions(50, Long.MAX_VALUE, List.of()));
    assertPartition(rows, shards);
    assertThat(shards).hasSize(3).allMatch(s -> s.items() <= 50 && !s.overThreshold());
    // each shard starts with a folder: none cuts through one
    assertThat(firstPaths(shards)).containsExactly("a", "c", "e");
    assertThat(shards).extracting(Splitter.Shard::files).containsExactly(40L, 40L, 40L);
    assertThat(shards).extracting(Splitter.Shard::filesToTransfer).containsExactly(40L, 40L, 40L);
  }

  @Test
  void aFolderThatDirectlyHoldsTooManyFilesStaysWholeOverTheThreshold() {
    List<String> paths = new ArrayList<>(files("big", 120));
    paths.addAll(files("small", 10));
    List<Splitter.Row> rows = tree(paths);
    List<Splitter.Shard> shards = split(rows, new ShardOptions(50, Long.MAX_VALUE, List.of()));
    assertPartition(rows, shards);
    assertThat(shards).hasSize(2);
    assertThat(shards.get(0).files()).isEqualTo(120);
    assertThat(shards.get(0).overThreshold()).isTrue();
    assertThat(shards.get(1).firstPath()).isEqualTo("small");
    assertThat(shards.get(1).overThreshold()).isFalse();

    // a tree that is one such folder cannot be cut at all
    List<Splitter.Row> one = tree(files("only", 200));
    List<Splitter.Shard> whole = split(one, new ShardOptions(50, Long.MAX_VALUE, List.of()));
    assertPartition(one, whole);
    assertThat(whole).hasSize(1).allMatch(Splitter.Shard::overThreshold);
  }

  @Test
  void filesAtTheRootGoWithTheFoldersAroundThem() {
    List<String> paths = new ArrayList<>(files("", 30)); // f000.txt … f029.txt at the root
    paths.addAll(files("a", 30));
    paths.addAll(files("z", 30));
    List<Splitter.Row> rows = tree(paths);
    List<Splitter.Shard> shards = split(rows, new ShardOptions(40, Long.MAX_VALUE, List.of()));
    assertPartition(rows, shards);
    // folder-tree order: a/…, then the root's files, then z/…; the root's 30 files stay together
    assertThat(firstPaths(shards)).containsExactly("a", "f000.txt", "z");
    assertThat(shards).allMatch(s -> s.items() <= 40);
  }

  @Test
  void explicitSplitPointsStartShardsWhateverTheSize() {
    List<String> paths = new ArrayList<>();
    for (String d : List.of("a", "b", "m", "n", "x")) {
      paths.addAll(files(d, 5));
    }
    List<Splitter.Row> rows = tree(paths);
    ShardOptions o = new ShardOptions(1000, Long.MAX_VALUE, List.of("m", "b"));
    assertThat(Splitter.splits(o, rows.size(), 250)).isTrue();
    List<Splitter.Shard> shards = split(rows, o);
    assertPartition(rows, shards);
    assertThat(firstPaths(shards)).containsExactly("a", "b", "m");
    assertThat(shards.get(2).lastPath()).isEqualTo("x/f004.txt");
  }

  @Test
  void exactlyAtTheThresholdAnOwnerStaysWhole() {
    ShardOptions o = new ShardOptions(100, 1000, List.of());
    assertThat(Splitter.splits(o, 100, 1000)).isFalse();
    assertThat(Splitter.splits(o, 101, 1000)).isTrue();
    assertThat(Splitter.splits(o, 100, 1001)).isTrue();

    // 2 folders of 49 files + their folder rows = 100 items per … split at 50: two shards of 50
    List<String> paths = new ArrayList<>(files("a", 49));
    paths.addAll(files("b", 49));
    paths.addAll(files("c", 49));
    List<Splitter.Row> rows = tree(paths); // 150 items
    List<Splitter.Shard> shards = split(rows, new ShardOptions(50, Long.MAX_VALUE, List.of()));
    assertPartition(rows, shards);
    assertThat(shards).extracting(Splitter.Shard::items).containsExactly(50L, 50L, 50L);
  }

  @Test
  void bytesCountAsWellAsItems() {
    List<String> paths = new ArrayList<>();
    for (String d : List.of("a", "b", "c", "d")) {
      paths.addAll(files(d, 10)); // 100 bytes per folder
    }
    List<Splitter.Row> rows = tree(paths);
    List<Splitter.Shard> shards = split(rows, new ShardOptions(1000, 250, List.of()));
    assertPartition(rows, shards);
    assertThat(shards).hasSize(2).allMatch(s -> s.bytes() == 200);
  }

  @Test
  void folderTreeOrderKeepsAFolderBeforeItsContentsAndTogether() {
    List<String> sorted = new ArrayList<>(List.of("a-b", "a/x", "a", "a.txt", "a/b/c"));
    sorted.sort(Splitter.TREE_ORDER);
    assertThat(sorted).containsExactly("a", "a/b/c", "a/x", "a-b", "a.txt");
  }
}
