package dev.ferry.activities.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a local write leaves on disk, hidden files included (listings hide the partial files, so the
 * storage contract cannot see them): the folders it needed, the file under its name with its time,
 * and no partial file — after a write into a new folder, into a folder that exists, and after a
 * write that failed.
 */
class LocalStorageWriteTest {
  @TempDir Path dir;

  private static final Storage.WriteOptions VERIFY = new Storage.WriteOptions(true, 8 << 20);

  private static void write(LocalStorage s, String path, String text, long declared) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    s.write(
        path, Entry.file(path, declared, 1_600_000_000_000L), new ByteArrayInputStream(b), VERIFY);
  }

  private List<String> everything() throws Exception {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).toList();
    }
  }

  @Test
  void writesMakeTheirFoldersAndLeaveNoPartialFileBehind() throws Exception {
    try (LocalStorage s = new LocalStorage(dir)) {
      write(s, "a/b/one.txt", "one", 3); // folders that do not exist yet
      write(s, "a/b/two.txt", "two", 3); // a folder that exists
      write(s, "a/b/one.txt", "uno", 3); // over a file that exists
      write(s, "top.txt", "top", 3); // the root itself
      // a failed write (the source gave fewer bytes than its size) into an existing folder
      assertThatThrownBy(() -> write(s, "a/b/short.txt", "sh", 10))
          .isInstanceOf(StorageException.SourceChanged.class);
      // and one into a folder it had to make
      assertThatThrownBy(() -> write(s, "c/short.txt", "sh", 10))
          .isInstanceOf(StorageException.SourceChanged.class);

      assertThat(everything())
          .containsExactlyInAnyOrder("a", "a/b", "a/b/one.txt", "a/b/two.txt", "top.txt", "c");
      assertThat(Files.readString(dir.resolve("a/b/one.txt"))).isEqualTo("uno");
      assertThat(Files.readString(dir.resolve("a/b/two.txt"))).isEqualTo("two");
      assertThat(Files.getLastModifiedTime(dir.resolve("a/b/two.txt")).toMillis())
          .isEqualTo(1_600_000_000_000L);
    }
  }

  @Test
  void aFileWhereAFolderIsNeededIsReportedNotOverwritten() throws Exception {
    try (LocalStorage s = new LocalStorage(dir)) {
      Files.writeString(dir.resolve("x"), "a file, not a folder");
      assertThatThrownBy(() -> write(s, "x/y.txt", "y", 1)).isInstanceOf(StorageException.class);
      assertThat(Files.readString(dir.resolve("x"))).isEqualTo("a file, not a folder");
      assertThat(everything()).containsExactly("x");
    }
  }
}
