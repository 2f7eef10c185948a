package dev.ferry.activities.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite every connector passes against a real server. A connector's test extends
 * this class and supplies a fresh, empty store rooted somewhere private to the test.
 */
public abstract class StorageContract {

  /** A new, empty store for one test. */
  protected abstract Storage newStorage() throws Exception;

  protected static final long PART = 5L << 20;
  private static final Storage.WriteOptions VERIFY = new Storage.WriteOptions(true, PART);

  protected static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  protected static Storage.Written put(Storage s, String path, byte[] data, long mtime) {
    return s.write(
        path, Entry.file(path, data.length, mtime), new ByteArrayInputStream(data), VERIFY);
  }

  protected static byte[] read(Storage s, String path) throws IOException {
    try (InputStream in = s.open(path)) {
      return in.readAllBytes();
    }
  }

  protected static Map<String, Entry> files(Storage s) {
    Map<String, Entry> out = new TreeMap<>();
    List<Storage.ListingProblem> problems = new ArrayList<>();
    s.list(
        e -> {
          if (!e.folder()) {
            out.put(e.path(), e);
          }
        },
        problems::add);
    assertThat(problems).isEmpty();
    return out;
  }

  @Test
  void emptyRootListsNothing() throws Exception {
    try (Storage s = newStorage()) {
      assertThat(files(s)).isEmpty();
    }
  }

  @Test
  void writesReadsAndListsNestedFilesWithAwkwardNames() throws Exception {
    try (Storage s = newStorage()) {
      Map<String, byte[]> want = new TreeMap<>();
      want.put("top.txt", "hello".getBytes(StandardCharsets.UTF_8));
      want.put("a/b/c/deep.bin", bytes(70_000, 1));
      want.put("with space/file name.txt", bytes(10, 2));
      want.put("ünïcødé/日本語 ファイル.txt", bytes(33, 3));
      want.put("empty.dat", new byte[0]);
      for (var e : want.entrySet()) {
        Storage.Written w = put(s, e.getKey(), e.getValue(), 1_600_000_000_000L);
        assertThat(w.verifiedBy()).isNotEqualTo("none");
      }
      Map<String, Entry> listed = files(s);
      assertThat(listed.keySet()).containsExactlyElementsOf(want.keySet());
      for (var e : want.entrySet()) {
        assertThat(listed.get(e.getKey()).size()).isEqualTo(e.getValue().length);
        assertThat(read(s, e.getKey())).isEqualTo(e.getValue());
      }
    }
  }

  @Test
  void writesAFileLargerThanOnePart() throws Exception {
    try (Storage s = newStorage()) {
      byte[] data = bytes((int) (2 * PART + 12345), 7);
      Storage.Written w = put(s, "big/large.bin", data, 1_600_000_000_000L);
      assertThat(w.verifiedBy()).isNotEqualTo("none");
      assertThat(read(s, "big/large.bin")).isEqualTo(data);
      assertThat(s.stat("big/large.bin"))
          .get()
          .extracting(Entry::size)
          .isEqualTo((long) data.length);
    }
  }

  @Test
  void overwriteReplacesContent() throws Exception {
    try (Storage s = newStorage()) {
      put(s, "f.txt", bytes(100, 1), 1_600_000_000_000L);
      byte[] second = bytes(50, 2);
      put(s, "f.txt", second, 1_600_000_000_000L);
      assertThat(read(s, "f.txt")).isEqualTo(second);
      assertThat(files(s)).hasSize(1);
    }
  }

  @Test
  void keepsModificationTimesWhereTheStoreCan() throws Exception {
    try (Storage s = newStorage()) {
      long mtime = 1_500_000_000_000L;
      put(s, "dated/file.txt", bytes(10, 1), mtime);
      if (s.capabilities().preservesMtime()) {
        assertThat(s.stat("dated/file.txt")).get().extracting(Entry::mtimeMillis).isEqualTo(mtime);
      }
    }
  }

  @Test
  void statOfMissingPathIsEmptyAndOpenSaysNotFound() throws Exception {
    try (Storage s = newStorage()) {
      assertThat(s.stat("nope/missing.txt")).isEmpty();
      assertThatThrownBy(() -> s.open("nope/missing.txt").close())
          .isInstanceOf(StorageException.NotFound.class);
    }
  }

  @Test
  void deleteRemovesAFileAndIgnoresMissingOnes() throws Exception {
    try (Storage s = newStorage()) {
      put(s, "d/x.txt", bytes(10, 1), 1_600_000_000_000L);
      s.delete("d/x.txt");
      s.delete("d/never-there.txt");
      assertThat(s.stat("d/x.txt")).isEmpty();
      assertThat(files(s)).isEmpty();
    }
  }

  @Test
  void recreatesEmptyFoldersWhereTheStoreHasFolders() throws Exception {
    try (Storage s = newStorage()) {
      s.mkdirs("empty/inner");
      if (s.capabilities().folders()) {
        List<String> folders = new ArrayList<>();
        s.list(
            e -> {
              if (e.folder()) {
                folders.add(e.path());
              }
            },
            p -> {});
        assertThat(folders).contains("empty", "empty/inner");
      }
    }
  }

  @Test
  void refusesPathsThatEscapeTheRoot() throws Exception {
    try (Storage s = newStorage()) {
      for (String bad : List.of("../escape.txt", "a/../../escape.txt", "/abs.txt")) {
        assertThatThrownBy(() -> put(s, bad, bytes(1, 1), 0))
            .isInstanceOf(StorageException.Permanent.class)
            .hasMessageContaining("refused");
      }
    }
  }
}
