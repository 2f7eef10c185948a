package dev.ferry.activities.engine;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A cutover's freeze applied by Ferry on a local source: every write permission removed from the
 * folders and regular files below a root (links and special files left alone, never followed), each
 * entry's mode handed to the caller before it is changed, so that {@link #restore} puts back
 * exactly what was there, even after a crash halfway.
 */
public final class SourceFreezer {
  private static final int CHUNK = 1000;
  private static final int WRITE_BITS = 0222;

  private SourceFreezer() {}

  /**
   * An entry whose mode Ferry changed.
   *
   * @param path relative to the root ({@code ""} for the root itself)
   * @param mode its permission bits before, set-id and sticky bits included (e.g. 02775)
   */
  public record Entry(String path, int mode) {}

  /**
   * What a freeze did.
   *
   * @param files regular files made read-only
   * @param folders folders made read-only
   */
  public record Frozen(long files, long folders) {}

  /**
   * Removes write permission below {@code root}; {@code save} receives each batch of entries (with
   * their old modes) before any of them is changed.
   */
  public static Frozen freeze(Path root, Consumer<List<Entry>> save, Runnable heartbeat)
      throws IOException {
    List<Path> pending = new ArrayList<>();
    List<Entry> entries = new ArrayList<>();
    long[] counts = new long[2];
    Runnable flush =
        () -> {
          if (entries.isEmpty()) {
            return;
          }
          save.accept(List.copyOf(entries));
          for (int i = 0; i < pending.size(); i++) {
            Path p = pending.get(i);
            try {
              setMode(p, entries.get(i).mode() & ~WRITE_BITS);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
          entries.clear();
          pending.clear();
          heartbeat.run();
        };
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
                throws IOException {
              visit(dir, attrs);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              visit(file, attrs);
              return FileVisitResult.CONTINUE;
            }

            private void visit(Path p, BasicFileAttributes attrs) throws IOException {
              if (!attrs.isDirectory() && !attrs.isRegularFile()) {
                return; // a link or a special file: nothing Ferry copies is changed through it
              }
              int mode = mode(p);
              if ((mode & WRITE_BITS) == 0) {
                return;
              }
              pending.add(p);
              entries.add(new Entry(relative(root, p), mode));
              counts[attrs.isDirectory() ? 1 : 0]++;
              if (entries.size() >= CHUNK) {
                flush.run();
              }
            }
          });
      flush.run();
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
    return new Frozen(counts[0], counts[1]);
  }

  /**
   * Puts back the modes {@link #freeze} saved; an entry gone since (deleted, or replaced by a link)
   * is passed over. Returns how many were put back.
   */
  public static long restore(Path root, List<Entry> entries, Runnable heartbeat)
      throws IOException {
    long done = 0;
    for (Entry e : entries) {
      Path p = e.path().isEmpty() ? root : root.resolve(e.path());
      try {
        BasicFileAttributes a =
            Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isDirectory() || a.isRegularFile()) {
          setMode(p, e.mode());
          done++;
        }
      } catch (NoSuchFileException gone) {
        // deleted since the freeze: nothing to put back
      }
      if (done % CHUNK == 0) {
        heartbeat.run();
      }
    }
    return done;
  }

  private static String relative(Path root, Path p) {
    return root.relativize(p).toString();
  }

  /** The permission bits of {@code p}, set-id and sticky bits included (e.g. 02775). */
  static int mode(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }

  private static void setMode(Path p, int mode) throws IOException {
    Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
  }
}
