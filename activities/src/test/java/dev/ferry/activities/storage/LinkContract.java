package dev.ferry.activities.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a store that holds symbolic links ({@link Capabilities#links()}) does with them: lists links
 * and special files as such, follows links only inside its root (a loop never hangs a listing), and
 * recreates and reads links. The tree is made on the local disk behind the store (the test SFTP
 * server serves a local folder).
 */
public abstract class LinkContract {

  /** A store over {@code dir} (which exists and is empty). */
  protected abstract Storage storageOver(Path dir) throws Exception;

  /** A new, empty local folder for one test. */
  protected abstract Path newDir() throws IOException;

  /**
   * Whether the server behind the store reports special files as such (Apache MINA's SFTP server
   * lists a named pipe as a regular file; OpenSSH's sends its whole mode).
   */
  protected boolean reportsSpecialFiles() {
    return true;
  }

  protected static void mkfifo(Path p) throws Exception {
    Process pr = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
    assertThat(pr.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(pr.exitValue()).isZero();
  }

  /** The tree of the other tests: files, links of every sort, a FIFO, beside a folder outside. */
  private Path tree() throws Exception {
    Path base = newDir();
    Path root = Files.createDirectories(base.resolve("root"));
    Path outside = Files.createDirectories(base.resolve("outside"));
    Files.writeString(outside.resolve("secret.txt"), "not to be read");
    Files.writeString(root.resolve("a.txt"), "hello");
    Files.createDirectories(root.resolve("dir/sub"));
    Files.writeString(root.resolve("dir/sub/b.txt"), "bee!");
    Files.createSymbolicLink(root.resolve("to-a"), Path.of("a.txt"));
    Files.createSymbolicLink(root.resolve("to-dir"), Path.of("dir"));
    Files.createSymbolicLink(root.resolve("dir/sub/up"), Path.of("../.."));
    Files.createSymbolicLink(root.resolve("to-secret"), Path.of("../outside/secret.txt"));
    Files.createSymbolicLink(root.resolve("to-outside"), outside);
    Files.createSymbolicLink(root.resolve("dangling"), Path.of("no-such-file"));
    mkfifo(root.resolve("pipe"));
    return root;
  }

  private static Map<String, Entry> list(Storage s, boolean follow) {
    Map<String, Entry> out = new TreeMap<>();
    List<Storage.ListingProblem> problems = new ArrayList<>();
    s.list(follow, e -> assertThat(out.put(e.path(), e)).as(e.path()).isNull(), problems::add);
    assertThat(problems).isEmpty();
    return out;
  }

  @Test
  void declaresLinks() throws Exception {
    try (Storage s = storageOver(Files.createDirectories(newDir().resolve("r")))) {
      assertThat(s.capabilities().links()).isTrue();
    }
  }

  @Test
  @Timeout(60)
  void listsLinksAndSpecialFilesAsWhatTheyAreWithoutFollowingThem() throws Exception {
    Path root = tree();
    try (Storage s = storageOver(root)) {
      Map<String, Entry> e = list(s, false);
      assertThat(e.keySet())
          .containsExactlyInAnyOrder(
              "a.txt",
              "dir",
              "dir/sub",
              "dir/sub/b.txt",
              "dir/sub/up",
              "to-a",
              "to-dir",
              "to-secret",
              "to-outside",
              "dangling",
              "pipe");
      assertThat(e.get("a.txt").kind()).isEqualTo(Entry.Kind.FILE);
      assertThat(e.get("to-a").kind()).isEqualTo(Entry.Kind.LINK);
      assertThat(e.get("to-a").target()).isEqualTo("a.txt");
      assertThat(e.get("to-a").size()).isZero();
      assertThat(e.get("to-dir").kind()).isEqualTo(Entry.Kind.LINK);
      assertThat(e.get("dir/sub/up").target()).isEqualTo("../..");
      assertThat(e.get("dangling").kind()).isEqualTo(Entry.Kind.LINK);
      // a server that does not report special files shows a pipe as an empty regular file
      assertThat(e.get("pipe").kind())
          .isEqualTo(reportsSpecialFiles() ? Entry.Kind.FIFO : Entry.Kind.FILE);
      assertThat(e.get("pipe").folder()).isFalse();
      // the plain listing (what the engine sees of a destination) says the same
      List<Entry> plain = new ArrayList<>();
      s.list(plain::add, p -> {});
      assertThat(plain).hasSize(e.size());
    }
  }

  @Test
  @Timeout(60)
  void followsLinksInsideTheRootAndNeitherLoopsNorLeavesIt() throws Exception {
    Path root = tree();
    // two folders that lead into each other: following never ends unless the listing sees it
    Files.createDirectories(root.resolve("x"));
    Files.createDirectories(root.resolve("y"));
    Files.createSymbolicLink(root.resolve("x/to-y"), Path.of("../y"));
    Files.createSymbolicLink(root.resolve("y/to-x"), Path.of("../x"));
    Files.createSymbolicLink(root.resolve("self"), Path.of("self"));
    Files.createSymbolicLink(root.resolve("to-pipe"), Path.of("pipe"));
    try (Storage s = storageOver(root)) {
      Map<String, Entry> e = list(s, true);
      assertThat(e.get("to-a").kind()).isEqualTo(Entry.Kind.FILE);
      assertThat(e.get("to-a").size()).isEqualTo(5);
      assertThat(e.get("to-dir").kind()).isEqualTo(Entry.Kind.FOLDER);
      assertThat(e.get("to-dir/sub/b.txt").kind()).isEqualTo(Entry.Kind.FILE);
      assertThat(e.get("dir/sub/up").kind()).isEqualTo(Entry.Kind.LINK_LOOP);
      assertThat(e.get("to-dir/sub/up").kind()).isEqualTo(Entry.Kind.LINK_LOOP);
      assertThat(e.get("to-secret").kind()).isEqualTo(Entry.Kind.LINK_OUTSIDE);
      assertThat(e.get("to-secret").target()).isEqualTo("../outside/secret.txt");
      assertThat(e.get("to-outside").kind()).isEqualTo(Entry.Kind.LINK_OUTSIDE);
      assertThat(e.keySet()).noneMatch(p -> p.startsWith("to-outside/"));
      assertThat(e.get("dangling").kind()).isEqualTo(Entry.Kind.LINK_BROKEN);
      assertThat(e.get("self").kind()).isIn(Entry.Kind.LINK_LOOP, Entry.Kind.LINK_BROKEN);
      // followed, even such a server's pipe is something other than a file (MINA: SPECIAL)
      assertThat(e.get("to-pipe").kind())
          .isIn(
              reportsSpecialFiles()
                  ? List.of(Entry.Kind.FIFO)
                  : List.of(Entry.Kind.FIFO, Entry.Kind.SPECIAL));
      assertThat(e.get("x/to-y").kind()).isEqualTo(Entry.Kind.FOLDER);
      assertThat(e.get("x/to-y/to-x").kind()).isEqualTo(Entry.Kind.LINK_LOOP);
      assertThat(e.get("y/to-x/to-y").kind()).isEqualTo(Entry.Kind.LINK_LOOP);
      assertThat(s.resolvesInsideRoot("to-dir/sub/b.txt")).isTrue();
      assertThat(s.resolvesInsideRoot("to-secret")).isFalse();
      assertThat(s.resolvesInsideRoot("to-outside/secret.txt")).isFalse();
    }
  }

  @Test
  void recreatesAndReadsLinksReplacingWhatStoodThere() throws Exception {
    Path root = Files.createDirectories(newDir().resolve("r"));
    try (Storage s = storageOver(root)) {
      s.writeLink("deep/folder/l", "sub/target.txt");
      assertThat(Files.readSymbolicLink(root.resolve("deep/folder/l")))
          .isEqualTo(Path.of("sub/target.txt"));
      assertThat(s.readLink("deep/folder/l")).contains("sub/target.txt");
      s.writeLink("deep/folder/l", "other");
      assertThat(s.readLink("deep/folder/l")).contains("other");
      byte[] data = "file".getBytes(StandardCharsets.UTF_8);
      s.write(
          "f",
          Entry.file("f", data.length, 1_700_000_000_000L),
          new ByteArrayInputStream(data),
          new Storage.WriteOptions(true, 5L << 20));
      assertThat(s.readLink("f")).isEmpty();
      s.writeLink("f", "deep");
      assertThat(Files.isSymbolicLink(root.resolve("f"))).isTrue();
      // a file written where a link stands replaces the link, never what it leads to
      Files.writeString(root.resolve("target.txt"), "kept");
      s.writeLink("l2", "target.txt");
      s.write(
          "l2",
          Entry.file("l2", data.length, 1_700_000_000_000L),
          new ByteArrayInputStream(data),
          new Storage.WriteOptions(true, 5L << 20));
      assertThat(Files.isSymbolicLink(root.resolve("l2"))).isFalse();
      assertThat(Files.readString(root.resolve("target.txt"))).isEqualTo("kept");
      assertThat(s.readLink("missing")).isEmpty();
      s.delete("f");
      assertThat(Files.exists(root.resolve("f"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .isFalse();
      assertThat(root.resolve("deep")).isDirectory();
      // no temporary name is left behind, and none is listed
      assertThat(list(s, false).keySet())
          .containsExactlyInAnyOrder("deep", "deep/folder", "deep/folder/l", "l2", "target.txt");
      Files.createDirectories(root.resolve("a-folder/inner"));
      assertThatThrownBy(() -> s.writeLink("a-folder", "x")).isInstanceOf(StorageException.class);
      try (InputStream in = s.open("l2")) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
    }
  }
}
