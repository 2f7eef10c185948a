package dev.ferry.activities.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.activities.testing.HostileNames;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
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
  void keepsModificationTimesToTheDeclaredPrecision() throws Exception {
    try (Storage s = newStorage()) {
      long precision = s.capabilities().mtimePrecisionMillis();
      assumeTrue(precision > 0, s.describe() + " declares that it keeps no modification times");
      assertThat(s.capabilities().preservesMtime()).isTrue();
      // a time of whole precision units is kept exactly, one between them to within a unit
      long whole = 1_500_000_000_000L;
      long fine = 1_500_000_123_456L;
      put(s, "dated/whole.txt", bytes(10, 1), whole);
      put(s, "dated/fine.txt", bytes(10, 2), fine);
      assertThat(s.stat("dated/whole.txt")).get().extracting(Entry::mtimeMillis).isEqualTo(whole);
      long kept = s.stat("dated/fine.txt").orElseThrow().mtimeMillis();
      assertThat(Math.abs(kept - fine)).as("kept %d for %d", kept, fine).isLessThan(precision);
      // opening tells the same time where it tells one
      Storage.Opened o = s.openWithTime("dated/whole.txt");
      try (InputStream in = o.stream()) {
        assertThat(o.mtimeMillis()).isIn(-1L, whole);
        assertThat(in.readAllBytes()).isEqualTo(bytes(10, 1));
      }
      // an overwrite takes the new file's time
      put(s, "dated/whole.txt", bytes(10, 3), whole + 3_600_000);
      assertThat(s.stat("dated/whole.txt"))
          .get()
          .extracting(Entry::mtimeMillis)
          .isEqualTo(whole + 3_600_000);
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

  private static List<String> folders(Storage s) {
    List<String> folders = new ArrayList<>();
    s.list(
        e -> {
          if (e.folder()) {
            folders.add(e.path());
          }
        },
        p -> {});
    return folders;
  }

  @Test
  void recreatesEmptyFoldersWhereTheStoreHasFolders() throws Exception {
    try (Storage s = newStorage()) {
      assumeTrue(s.capabilities().folders(), s.describe() + " declares no folders");
      s.mkdirs("empty/inner");
      assertThat(folders(s)).containsExactlyInAnyOrder("empty", "empty/inner");
      assertThat(s.stat("empty/inner")).get().extracting(Entry::folder).isEqualTo(true);
      // a file's folders are made by its write, and listed
      put(s, "made/by/write.txt", bytes(5, 1), 1_600_000_000_000L);
      assertThat(folders(s)).contains("made", "made/by");
      // an empty folder is deleted
      s.delete("empty/inner");
      assertThat(s.stat("empty/inner")).isEmpty();
      assertThat(folders(s)).contains("empty").doesNotContain("empty/inner");
    }
  }

  @Test
  void withoutFoldersAFolderIsOnlyPartOfAFilesPath() throws Exception {
    try (Storage s = newStorage()) {
      assumeTrue(!s.capabilities().folders(), s.describe() + " declares real folders");
      // mkdirs makes nothing: an empty folder is neither listed nor found
      s.mkdirs("empty/inner");
      List<Entry> all = new ArrayList<>();
      s.list(all::add, p -> {});
      assertThat(all).isEmpty();
      assertThat(s.stat("empty")).isEmpty();
      assertThat(s.stat("empty/inner")).isEmpty();
      // a write needs no folder, and its path's folders are not listed
      put(s, "a/b", bytes(5, 1), 1_600_000_000_000L);
      all.clear();
      s.list(all::add, p -> {});
      assertThat(all).extracting(Entry::path).containsExactly("a/b");
      assertThat(all).allMatch(Entry::isFile);
      assertThat(read(s, "a/b")).isEqualTo(bytes(5, 1));
      // once its last file is gone, the folder is gone too
      s.delete("a/b");
      all.clear();
      s.list(all::add, p -> {});
      assertThat(all).isEmpty();
    }
  }

  @Test
  void withoutLinksLinksAreRefusedAndListingsIgnoreFollowing() throws Exception {
    try (Storage s = newStorage()) {
      assumeTrue(!s.capabilities().links(), s.describe() + " holds symbolic links (LinkContract)");
      put(s, "x/file.txt", bytes(5, 1), 1_600_000_000_000L);
      assertThatThrownBy(() -> s.writeLink("x/l", "file.txt"))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("holds no symbolic links");
      assertThat(s.readLink("x/file.txt")).isEmpty();
      assertThat(s.resolvesInsideRoot("x/file.txt")).isTrue();
      List<String> followed = new ArrayList<>();
      s.list(true, e -> followed.add(e.path()), p -> {});
      List<String> plain = new ArrayList<>();
      s.list(false, e -> plain.add(e.path()), p -> {});
      assertThat(followed).containsExactlyInAnyOrderElementsOf(plain).contains("x/file.txt");
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

  /**
   * A path of exactly {@code bytes} UTF-8 bytes: segments of {@code unit} repeated, 200 bytes or
   * less.
   */
  private static String pathOfBytes(int bytes, String unit) {
    int unitBytes = unit.getBytes(StandardCharsets.UTF_8).length;
    StringBuilder p = new StringBuilder();
    int left = bytes;
    int segment = 0;
    while (left > 0) {
      if (p.length() > 0) {
        p.append('/');
        left--;
      }
      StringBuilder seg = new StringBuilder("s" + segment++);
      left -= seg.length();
      int take = Math.min(left, 200 - seg.length());
      while (take >= unitBytes && left >= unitBytes) {
        seg.append(unit);
        take -= unitBytes;
        left -= unitBytes;
      }
      while (take > 0 && left > 0) {
        seg.append('x');
        take--;
        left--;
      }
      p.append(seg);
    }
    String out = p.toString();
    assertThat(out.getBytes(StandardCharsets.UTF_8)).hasSize(bytes);
    return out;
  }

  @Test
  void aPathAtTheDeclaredLimitIsKeptAndOneByteLongerIsRefused() throws Exception {
    try (Storage s = newStorage()) {
      int max = s.capabilities().maxPathBytes();
      assumeTrue(max > 0, s.describe() + " declares no limit on a path's length in bytes");
      for (String unit : List.of("a", "é", "日")) {
        String atLimit = pathOfBytes(max, unit);
        byte[] data = bytes(20, unit.hashCode());
        put(s, atLimit, data, 1_600_000_000_000L);
        assertThat(files(s)).containsKey(atLimit);
        assertThat(read(s, atLimit)).isEqualTo(data);
        s.delete(atLimit);
      }
      String over = pathOfBytes(max + 1, "a");
      assertThatThrownBy(() -> put(s, over, bytes(20, 1), 1_600_000_000_000L))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("at most");
      assertThat(files(s)).isEmpty();
    }
  }

  @Test
  void aPathAtTheRulesLimitsIsKeptAndOneLongerIsRefused() throws Exception {
    try (Storage s = newStorage()) {
      NameRules rules = s.nameRules();
      int chars = rules.maxPathChars();
      int segments = rules.maxSegments();
      assumeTrue(
          chars > 0 || segments > 0,
          s.describe() + "'s name rules limit neither a path's characters nor its segments");
      List<String> kept = new ArrayList<>();
      List<String> over = new ArrayList<>();
      if (chars > 0) {
        kept.add(pathOfBytes(chars, "a")); // ASCII: as many characters as bytes
        over.add(pathOfBytes(chars + 1, "a"));
      }
      if (segments > 0) {
        kept.add(String.join("/", java.util.Collections.nCopies(segments, "s")));
        over.add(String.join("/", java.util.Collections.nCopies(segments + 1, "s")));
      }
      for (String path : kept) {
        assertThat(rules.problem(path)).as(path).isEmpty();
        byte[] data = bytes(20, path.length());
        put(s, path, data, 1_600_000_000_000L);
        assertThat(files(s)).containsKey(path);
        assertThat(read(s, path)).isEqualTo(data);
        s.delete(path);
      }
      for (String path : over) {
        assertThat(rules.problem(path)).as(path).isPresent();
        assertThat(rules.remap(path)).as("renaming cannot shorten %s", path).isEmpty();
        assertThatThrownBy(() -> put(s, path, bytes(20, 1), 1_600_000_000_000L))
            .as(path)
            .isInstanceOf(StorageException.Permanent.class);
      }
      assertThat(files(s)).isEmpty();
    }
  }

  /**
   * Names that are a problem for one store or another; every one is a safe path ({@link SafePath})
   * on a store that does not read a backslash as a separator.
   */
  protected static final List<String> AWKWARD_NAMES =
      List.of(
          "colon:name.txt",
          "quest?ion*star.txt",
          "pipe|angle<>quote\".txt",
          "back\\slash.txt",
          "trailing-dot.",
          "dir./inside.txt",
          " leading space.txt",
          "trailing space .txt",
          "trailing space ",
          "CON",
          "aux.txt",
          "LPT1/inner.txt",
          "desktop.ini",
          "~$lock.docx",
          "~tilde.txt",
          "x_vti_y.txt",
          "Forms/at-the-root.txt",
          "ctrl\u0001char.txt",
          "tab\tname.txt",
          "c1\u0085control.txt",
          "percent%20and%2Fescapes.txt",
          "hash#amp&plus+eq=semi;.txt",
          "quote'apos`grave.txt",
          "emoji 😀 name.txt",
          "combining e\u0301 vs \u00e9.txt",
          "ünïcødé/日本語 ファイル.txt",
          "zero\u200bwidth.txt",
          "fullwidth：colon.txt");

  /**
   * Whether the server the test runs against takes {@code path}, which the store it stands for
   * takes (s3proxy keeps objects as files, so a 255-byte name is too long for it, not for S3).
   */
  protected boolean testServerTakes(String path) {
    return true;
  }

  /** {@link #AWKWARD_NAMES} and the corpus of {@link HostileNames}, each once. */
  private static List<String> names() {
    java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(AWKWARD_NAMES);
    HostileNames.corpus().forEach(n -> all.add(n.path()));
    return List.copyOf(all);
  }

  @Test
  void namesTheRulesAllowRoundTripByteForByte() throws Exception {
    try (Storage s = newStorage()) {
      NameRules rules = s.nameRules();
      Map<String, byte[]> want = new TreeMap<>();
      java.util.Set<String> caseFolded = new java.util.HashSet<>();
      int i = 0;
      for (String name : names()) {
        if (rules.problem(name).isEmpty()
            && SafePath.problem(name, rules.backslashSeparator()).isEmpty()
            && testServerTakes(name)
            // where case does not tell names apart, one of two such names (the next test's)
            && (!rules.caseInsensitive() || caseFolded.add(name.toLowerCase(Locale.ROOT)))) {
          want.put(name, bytes(10 + i, i++));
        }
      }
      assertThat(want).as("names %s allows", s.describe()).isNotEmpty();
      for (var e : want.entrySet()) {
        put(s, e.getKey(), e.getValue(), 1_600_000_000_000L);
      }
      Map<String, Entry> listed = files(s);
      assertThat(listed.keySet()).containsExactlyElementsOf(want.keySet());
      for (var e : want.entrySet()) {
        assertThat(read(s, e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        assertThat(s.stat(e.getKey())).as(e.getKey()).isPresent();
      }
    }
  }

  @Test
  void namesTheRulesForbidAreRefusedOrRemappedAsDeclared() throws Exception {
    try (Storage s = newStorage()) {
      NameRules rules = s.nameRules();
      List<String> forbidden = names().stream().filter(n -> rules.problem(n).isPresent()).toList();
      assumeTrue(
          !forbidden.isEmpty(), s.describe() + " declares none of the names tried forbidden");
      for (String name : forbidden) {
        Optional<String> remapped = rules.remap(name);
        if (remapped.isEmpty()) {
          continue; // declared beyond renaming: the scan refuses it
        }
        String r = remapped.get();
        assertThat(r).as(name).isNotEqualTo(name);
        assertThat(rules.problem(r)).as(r).isEmpty();
        assertThat(rules.remap(r)).as(r).contains(r);
        byte[] data = bytes(12, name.hashCode());
        put(s, r, data, 1_600_000_000_000L);
        assertThat(files(s)).as(r).containsKey(r);
        assertThat(read(s, r)).as(r).isEqualTo(data);
        s.delete(r);
      }
      // given as it is, a forbidden name is refused, or kept under exactly that name: a store
      // never keeps it under another one
      for (String name : forbidden) {
        if (SafePath.problem(name, rules.backslashSeparator()).isPresent()) {
          continue;
        }
        byte[] data = bytes(7, name.hashCode());
        try {
          put(s, name, data, 1_600_000_000_000L);
        } catch (StorageException refused) {
          assertThat(files(s)).as(name).isEmpty();
          continue;
        }
        assertThat(files(s).keySet()).as(name).containsExactly(name);
        assertThat(read(s, name)).isEqualTo(data);
        s.delete(name);
      }
    }
  }

  @Test
  void namesThatDifferOnlyInCaseAreOneNameExactlyWhereDeclared() throws Exception {
    try (Storage s = newStorage()) {
      put(s, "case/Name.txt", bytes(10, 1), 1_600_000_000_000L);
      put(s, "case/NAME.txt", bytes(11, 2), 1_600_000_000_000L);
      if (s.nameRules().caseInsensitive()) {
        assertThat(files(s)).hasSize(1);
        assertThat(read(s, "case/name.txt")).isEqualTo(bytes(11, 2));
      } else {
        assertThat(files(s).keySet()).containsExactly("case/NAME.txt", "case/Name.txt");
        assertThat(read(s, "case/Name.txt")).isEqualTo(bytes(10, 1));
        assertThat(read(s, "case/NAME.txt")).isEqualTo(bytes(11, 2));
      }
    }
  }

  /** A source whose first {@code limit} bytes are read, then fails as a dropped share would. */
  private static InputStream sourceFailingAfter(byte[] data, int limit) {
    return new InputStream() {
      private int pos;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        if (pos >= limit) {
          throw new IOException("source went away");
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(data, pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }

  @Test
  void aSourceShorterOrLongerThanDeclaredIsRefusedAndLeavesNothing() throws Exception {
    try (Storage s = newStorage()) {
      byte[] old = bytes(30, 9);
      put(s, "kept.bin", old, 1_600_000_000_000L);
      record Case(String path, int declared, int given) {}
      for (Case c :
          List.of(
              new Case("short.bin", 100, 60),
              new Case("long.bin", 60, 100),
              new Case("empty-given.bin", 10, 0),
              new Case("short-parts.bin", (int) PART + 1000, (int) PART + 10),
              new Case("kept.bin", 100, 60))) {
        byte[] data = bytes(c.given(), c.given());
        assertThatThrownBy(
                () ->
                    s.write(
                        c.path(),
                        Entry.file(c.path(), c.declared(), 1_600_000_000_000L),
                        new ByteArrayInputStream(data),
                        VERIFY))
            .as(c.toString())
            .isInstanceOf(StorageException.SourceChanged.class)
            .hasMessageContaining("changed")
            .hasMessageContaining("expected " + c.declared())
            .matches(e -> ((StorageException) e).retryable(), "is retryable");
      }
      // nothing under the final names, no partial file listed; the file there before is intact
      assertThat(files(s).keySet()).containsExactly("kept.bin");
      assertThat(read(s, "kept.bin")).isEqualTo(old);
      assertThat(s.stat("short.bin")).isEmpty();
      assertThat(s.stat("short-parts.bin")).isEmpty();
    }
  }

  @Test
  void anInterruptedWriteLeavesNothingAndIsResumedOrRedoneToTheSameBytes() throws Exception {
    try (Storage s = newStorage()) {
      byte[] data = bytes((int) (2 * PART + 1234), 31);
      Entry e = Entry.file("resume/big.bin", data.length, 1_600_000_000_000L);
      Storage.UploadState state = Storage.UploadState.inMemory();
      AtomicLong sent = new AtomicLong();
      Storage.WriteOptions options = new Storage.WriteOptions(true, PART, state, sent::addAndGet);
      // the source fails in the second part
      assertThatThrownBy(
              () -> s.write(e.path(), e, sourceFailingAfter(data, (int) PART + 100), options))
          .isInstanceOf(StorageException.class)
          .matches(x -> ((StorageException) x).retryable(), "is retryable");
      assertThat(s.stat(e.path())).isEmpty();
      assertThat(files(s)).isEmpty();
      long first = sent.getAndSet(0);
      if (s.capabilities().resumableWrites()) {
        assertThat(state.load()).as("state saved by a resumable write").isPresent();
        assertThat(first).isEqualTo(PART);
      } else {
        assertThat(state.load()).as("state saved by a write that never resumes").isEmpty();
      }
      Storage.Written w = s.write(e.path(), e, new ByteArrayInputStream(data), options);
      assertThat(w.verifiedBy()).isNotEqualTo("none");
      // a resumed write sends only what the store did not hold; a redone one sends everything
      assertThat(sent.get())
          .isEqualTo(s.capabilities().resumableWrites() ? data.length - first : data.length);
      assertThat(state.load()).isEmpty();
      assertThat(read(s, e.path())).isEqualTo(data);
      assertThat(files(s).keySet()).containsExactly(e.path());
    }
  }
}
