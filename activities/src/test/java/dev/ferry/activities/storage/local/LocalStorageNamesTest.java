package dev.ferry.activities.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.NameRules;
import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
  void aBackslashInANameStaysOneNameAndIsNeverReadAsAFolder() throws Exception {
    Files.writeString(dir.resolve("a\\b.txt"), "x");
    List<String> paths = new ArrayList<>();
    LocalStorage local = new LocalStorage(dir);
    local.list(e -> paths.add(e.path()), p -> {});
    assertThat(paths).containsExactly("a\\b.txt");
    assertThat(local.stat("a/b.txt").map(Entry::path)).isEmpty();
  }

  @Test
  void onAPosixFileSystemABackslashIsAnOrdinaryCharacterThatCanBeWrittenAndReadBack()
      throws Exception {
    // the declaration follows the platform: a Windows file system reads '\' as a separator
    assertThat(LocalStorage.BACKSLASH_SEPARATOR).isEqualTo(File.separatorChar == '\\');
    LocalStorage local = new LocalStorage(dir);
    assertThat(local.nameRules().backslashSeparator()).isEqualTo(LocalStorage.BACKSLASH_SEPARATOR);
    if (LocalStorage.BACKSLASH_SEPARATOR) {
      return; // below: POSIX only
    }
    assertThat(local.nameRules()).isSameAs(NameRules.NONE);
    String name = "d\\..\\..\\escape.txt";
    assertThat(SafePath.problem(name, local.nameRules().backslashSeparator())).isEmpty();
    byte[] data = "stays inside".getBytes(StandardCharsets.UTF_8);
    local.write(
        "sub/" + name,
        Entry.file("sub/" + name, data.length, 1_600_000_000_000L),
        new ByteArrayInputStream(data),
        new Storage.WriteOptions(true, 1 << 20));
    assertThat(dir.resolve("sub").resolve(name)).hasBinaryContent(data);
    try (InputStream in = local.open("sub/" + name)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("sub");
    }
  }
}
