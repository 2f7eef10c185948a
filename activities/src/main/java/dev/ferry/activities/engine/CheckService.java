package dev.ferry.activities.engine;

import dev.ferry.activities.catalog.Cutovers.Difference;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Compares a source and a destination in full, like {@code rclone check --download}: every file's
 * presence on both sides, its size, and its content — both sides read and hashed (SHA-256), which
 * works for every store and trusts no store's own checksum — with the rename map for names the
 * destination refused. Files the filters leave out of the migration are not compared; a source file
 * modified after {@code frozenAtMillis} is named as changed since the freeze.
 */
public final class CheckService {
  /** Files read at once. */
  static final int PARALLEL = 8;

  /**
   * What a comparison found.
   *
   * @param files source files compared
   * @param bytes bytes in those files
   * @param differences every difference, by path
   */
  public record Result(long files, long bytes, List<Difference> differences) {
    public long count(String kind) {
      return differences.stream().filter(d -> d.kind().equals(kind)).count();
    }
  }

  /**
   * Compares {@code source} with {@code dest}.
   *
   * @param renames source path → destination path, for the names that were remapped
   * @param filters the migration's filters (files they refuse are not compared)
   * @param frozenAtMillis when the source was frozen, or 0
   * @param progress receives the number of files compared so far, often (a heartbeat)
   */
  public Result compare(
      Storage source,
      Storage dest,
      Map<String, String> renames,
      Filters filters,
      long frozenAtMillis,
      Runnable progress) {
    List<Difference> out = new ArrayList<>();
    Map<String, Entry> src = files(source, filters, out);
    Map<String, Entry> dst = files(dest, null, out);
    Map<String, String> expectedToSource = new HashMap<>();
    AtomicLong bytes = new AtomicLong();
    List<Future<Difference>> reads = new ArrayList<>();
    Semaphore slots = new Semaphore(PARALLEL);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Entry s : src.values()) {
        String at = renames.getOrDefault(s.path(), s.path());
        expectedToSource.put(at, s.path());
        bytes.addAndGet(s.size());
        if (frozenAtMillis > 0 && s.mtimeMillis() > frozenAtMillis) {
          out.add(
              new Difference(
                  s.path(),
                  "changed_since_freeze",
                  "modified at "
                      + Instant.ofEpochMilli(s.mtimeMillis())
                      + ", after the freeze at "
                      + Instant.ofEpochMilli(frozenAtMillis)));
        }
        Entry d = dst.get(at);
        if (d == null) {
          out.add(
              new Difference(
                  s.path(),
                  "missing",
                  at.equals(s.path())
                      ? "not at the destination"
                      : "not at the destination as " + at));
          continue;
        }
        if (d.size() != s.size()) {
          out.add(
              new Difference(
                  s.path(),
                  "size",
                  s.size() + " bytes at the source, " + d.size() + " at the destination"));
          continue;
        }
        reads.add(
            pool.submit(
                () -> {
                  slots.acquire();
                  try {
                    String a = sha256(source, s.path());
                    String b = sha256(dest, at);
                    progress.run();
                    return a.equals(b)
                        ? null
                        : new Difference(
                            s.path(),
                            "content",
                            "SHA-256 " + a + " at the source, " + b + " at the destination");
                  } catch (RuntimeException e) {
                    return new Difference(s.path(), "unreadable", e.getMessage());
                  } finally {
                    slots.release();
                  }
                }));
      }
      for (Future<Difference> f : reads) {
        Difference d = f.get();
        if (d != null) {
          out.add(d);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("the comparison was interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
    for (Entry d : dst.values()) {
      if (!expectedToSource.containsKey(d.path())) {
        out.add(new Difference(d.path(), "extra", "at the destination only"));
      }
    }
    out.sort(java.util.Comparator.comparing(Difference::path).thenComparing(Difference::kind));
    return new Result(src.size(), bytes.get(), out);
  }

  private static Map<String, Entry> files(Storage s, Filters filters, List<Difference> problems) {
    Map<String, Entry> out = new HashMap<>();
    s.list(
        e -> {
          if (e.kind() == Entry.Kind.FILE && (filters == null || filters.accepts(e))) {
            out.put(e.path(), e);
          }
        },
        problem ->
            problems.add(
                new Difference(
                    problem.path(),
                    "unreadable",
                    "cannot be listed at " + s.describe() + ": " + problem.reason())));
    return out;
  }

  private static String sha256(Storage s, String path) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = s.open(path)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
