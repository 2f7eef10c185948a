package dev.ferry.activities.engine;

import dev.ferry.activities.catalog.Cutovers.Difference;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.NativeHash;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.graph.QuickXorHash;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Compares a source and a destination in full, like {@code rclone check}: every file's presence on
 * both sides, its size, and its content, with the rename map for names the destination refused.
 * Content is compared by the destination's native hash where its listing gives one ({@link
 * NativeHash}: S3's single-part ETag, Azure's Content-MD5, Graph's quickXorHash): the same hash is
 * computed from the source's bytes and the destination is not read. Elsewhere (local, SFTP, a
 * multipart ETag) both sides are read and hashed (SHA-256). A native hash that differs is not taken
 * on trust (an ETag under SSE-KMS is no MD5): the destination is then read and hashed the same way,
 * and the file differs only when its bytes do. Each file says which way it was checked. Files the
 * filters leave out of the migration are not compared; a source file modified after {@code
 * frozenAtMillis} is named as changed since the freeze.
 */
public final class CheckService {
  /** Files read at once. */
  static final int PARALLEL = 8;

  /** How a file checked by reading both sides is reported. */
  public static final String SHA256_READ_BACK = "sha256 read back";

  /**
   * What a comparison found.
   *
   * @param files source files compared
   * @param bytes bytes in those files
   * @param differences every difference, by path
   * @param checkedBy how many files' contents were compared each way ("md5 (S3 ETag)", "sha256 read
   *     back"), in the order first used
   */
  public record Result(
      long files, long bytes, List<Difference> differences, Map<String, Long> checkedBy) {
    public long count(String kind) {
      return differences.stream().filter(d -> d.kind().equals(kind)).count();
    }

    /** "3 by md5 (S3 ETag), 1 by sha256 read back", or "none" when no content was compared. */
    public String checkedBySummary() {
      return summary(checkedBy);
    }
  }

  /** Counts per way as a sentence: "3 by md5 (S3 ETag), 1 by sha256 read back". */
  public static String summary(Map<String, Long> checkedBy) {
    if (checkedBy.isEmpty()) {
      return "none";
    }
    StringBuilder b = new StringBuilder();
    checkedBy.forEach(
        (how, n) -> b.append(b.isEmpty() ? "" : ", ").append(n).append(" by ").append(how));
    return b.toString();
  }

  /**
   * A file the comparison found identical on both sides.
   *
   * @param path its source path
   * @param destPath its destination path
   * @param size its size
   * @param mtimeMillis its source modification time as listed
   * @param algorithm the hash compared ({@code sha256}, {@code md5}, {@code quickxor})
   * @param hash that hash of the source's bytes (hex; base64 for quickxor)
   * @param checkedBy how it was checked
   */
  public record Verified(
      String path,
      String destPath,
      long size,
      long mtimeMillis,
      String algorithm,
      String hash,
      String checkedBy) {}

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
    return compare(source, dest, renames, filters, frozenAtMillis, progress, v -> {});
  }

  /**
   * As {@link #compare(Storage, Storage, Map, Filters, long, Runnable)}, telling {@code verified}
   * (from several threads) each file found identical.
   */
  public Result compare(
      Storage source,
      Storage dest,
      Map<String, String> renames,
      Filters filters,
      long frozenAtMillis,
      Runnable progress,
      Consumer<Verified> verified) {
    List<Difference> out = new ArrayList<>();
    Map<String, Entry> src = files(source, filters, out, null);
    Map<String, NativeHash> hashes = new HashMap<>();
    Map<String, Entry> dst = files(dest, null, out, hashes);
    Map<String, String> expectedToSource = new HashMap<>();
    AtomicLong bytes = new AtomicLong();
    List<Future<Compared>> reads = new ArrayList<>();
    Semaphore slots = new Semaphore(PARALLEL);
    Map<String, Long> checkedBy = new LinkedHashMap<>();
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
        NativeHash nh = hashes.get(at);
        reads.add(
            pool.submit(
                () -> {
                  slots.acquire();
                  try {
                    Compared c = compareContent(source, dest, s, at, nh);
                    progress.run();
                    if (c.difference() == null) {
                      verified.accept(
                          new Verified(
                              s.path(),
                              at,
                              s.size(),
                              s.mtimeMillis(),
                              c.algorithm(),
                              c.sourceHash(),
                              c.how()));
                    }
                    return c;
                  } catch (RuntimeException e) {
                    return new Compared(
                        new Difference(s.path(), "unreadable", e.getMessage()), null, null, null);
                  } finally {
                    slots.release();
                  }
                }));
      }
      for (Future<Compared> f : reads) {
        Compared c = f.get();
        if (c.how() != null) {
          checkedBy.merge(c.how(), 1L, Long::sum);
        }
        if (c.difference() != null) {
          out.add(c.difference());
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
    return new Result(src.size(), bytes.get(), out, checkedBy);
  }

  /** One file's content comparison: its difference (or null), how, and the source's hash. */
  private record Compared(Difference difference, String how, String algorithm, String sourceHash) {}

  private static Compared compareContent(
      Storage source, Storage dest, Entry s, String at, NativeHash nh) {
    if (nh == null) {
      String a = hash(source, s.path(), "sha256");
      String b = hash(dest, at, "sha256");
      return new Compared(
          a.equals(b)
              ? null
              : new Difference(
                  s.path(),
                  "content",
                  "SHA-256 " + a + " at the source, " + b + " at the destination",
                  SHA256_READ_BACK),
          SHA256_READ_BACK,
          "sha256",
          a);
    }
    String alg = nh.algorithm();
    String a = hash(source, s.path(), alg);
    if (a.equals(nh.value())) {
      return new Compared(null, nh.how(), alg, a);
    }
    // The store's own hash differs: believe the bytes, not the hash.
    String b = hash(dest, at, alg);
    String how = alg + " read back (the " + nh.source() + " is not the " + alg + " of the content)";
    if (a.equals(b)) {
      return new Compared(null, how, alg, a);
    }
    String how2 = alg + " read back (" + nh.source() + " differs)";
    return new Compared(
        new Difference(
            s.path(),
            "content",
            alg
                + " "
                + a
                + " at the source, "
                + b
                + " at the destination ("
                + nh.source()
                + " "
                + nh.value()
                + ")",
            how2),
        how2,
        alg,
        a);
  }

  private static Map<String, Entry> files(
      Storage s, Filters filters, List<Difference> problems, Map<String, NativeHash> hashes) {
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
                    "cannot be listed at " + s.describe() + ": " + problem.reason())),
        (path, h) -> {
          if (hashes != null) {
            hashes.put(path, h);
          }
        });
    return out;
  }

  /**
   * The hash {@code algorithm} ({@code sha256}, {@code md5}: hex; {@code quickxor}: base64) of the
   * file at {@code path}, read in full.
   */
  public static String hash(Storage s, String path, String algorithm) {
    Digest md = Digest.of(algorithm);
    byte[] buf = new byte[1 << 16];
    try (InputStream in = s.open(path)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
    return md.value();
  }

  /** A running hash of one of the algorithms a comparison uses. */
  private interface Digest {
    void update(byte[] b, int n);

    String value();

    static Digest of(String algorithm) {
      return switch (algorithm) {
        case NativeHash.QUICKXOR -> {
          QuickXorHash q = new QuickXorHash();
          yield new Digest() {
            @Override
            public void update(byte[] b, int n) {
              q.update(b, 0, n);
            }

            @Override
            public String value() {
              return q.base64();
            }
          };
        }
        case NativeHash.MD5, "sha256" -> {
          MessageDigest md;
          try {
            md = MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "MD5");
          } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
          }
          yield new Digest() {
            @Override
            public void update(byte[] b, int n) {
              md.update(b, 0, n);
            }

            @Override
            public String value() {
              return HexFormat.of().formatHex(md.digest());
            }
          };
        }
        default -> throw new IllegalArgumentException("unknown hash algorithm " + algorithm);
      };
    }
  }
}
