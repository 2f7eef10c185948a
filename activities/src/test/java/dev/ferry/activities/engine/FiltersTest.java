package dev.ferry.activities.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.storage.Entry;
import java.util.List;
import org.junit.jupiter.api.Test;

class FiltersTest {
  private static Entry file(String path, long mtime) {
    return Entry.file(path, 1, mtime);
  }

  @Test
  void namePatternsMatchInAnyFolderAndPathPatternsFromTheRoot() {
    Filters f = new Filters(List.of("*.jpg", "docs/**"), List.of(), -1, -1);
    assertThat(f.accepts(file("a.jpg", 0))).isTrue();
    assertThat(f.accepts(file("x/y/b.jpg", 0))).isTrue();
    assertThat(f.accepts(file("docs/deep/readme.txt", 0))).isTrue();
    assertThat(f.accepts(file("other/readme.txt", 0))).isFalse();
  }

  @Test
  void excludeWinsOverInclude() {
    Filters f = new Filters(List.of("**"), List.of("*.tmp", "cache/**"), -1, -1);
    assertThat(f.accepts(file("a/b.txt", 0))).isTrue();
    assertThat(f.accepts(file("a/b.tmp", 0))).isFalse();
    assertThat(f.accepts(file("cache/x/y.txt", 0))).isFalse();
    assertThat(f.acceptsFolder("cache")).isFalse();
  }

  @Test
  void doubleStarPrefixAlsoMatchesAtTheRoot() {
    Filters f = new Filters(List.of(), List.of("**/node_modules/**"), -1, -1);
    assertThat(f.accepts(file("node_modules/x.js", 0))).isFalse();
    assertThat(f.accepts(file("app/node_modules/x.js", 0))).isFalse();
    assertThat(f.accepts(file("app/src/x.js", 0))).isTrue();
  }

  @Test
  void modificationTimeBounds() {
    Filters older = new Filters(List.of(), List.of(), 1000, -1);
    assertThat(older.accepts(file("a", 999))).isTrue();
    assertThat(older.accepts(file("a", 1000))).isFalse();
    Filters newer = new Filters(List.of(), List.of(), -1, 1000);
    assertThat(newer.accepts(file("a", 1001))).isTrue();
    assertThat(newer.accepts(file("a", 1000))).isFalse();
  }

  @Test
  void invalidPatternsAreExplained() {
    assertThat(Filters.problem("[abc")).isNotNull();
    assertThat(Filters.problem("")).contains("empty");
    assertThat(Filters.problem("*.txt")).isNull();
  }
}
