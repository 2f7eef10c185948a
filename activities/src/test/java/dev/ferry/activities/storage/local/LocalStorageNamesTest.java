package dev.ferry.activities.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.SafePath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names are listed as the file system spells them, so the scan can judge them. */
class LocalStorageNamesTest {
  @TempDir Path dir;

  @Test
  void aBackslashInANameStaysAndIsRefusedRatherThanReadAsAFolder() throws Exception {
    Files.writeString(dir.resolve("a\\b.txt"), "x");
    List<String> paths = new ArrayList<>();
    new LocalStorage(dir).list(e -> paths.add(e.path()), p -> {});
    assertThat(paths).containsExactly("a\\b.txt");
    assertThat(SafePath.problem(paths.getFirst()))
        .hasValueSatisfying(p -> assertThat(p).contains("backslash"));
    assertThat(new LocalStorage(dir).stat("a/b.txt").map(Entry::path)).isEmpty();
  }
}
