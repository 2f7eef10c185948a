package dev.ferry.activities.engine;

import dev.ferry.activities.catalog.ShardOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts an owner's manifest, in folder-tree order, into shards of roughly equal size along its
 * folder tree. Fed one row at a time (no list of files is held), it returns the shards as ranges of
 * the manifest's sequence numbers, which together cover every row exactly once.
 *
 * <p>Folder-tree order is the order of paths with {@code /} read as the lowest character (as {@link
 * #treeKey} writes it): a folder comes right before everything under it, and everything under a
 * folder is contiguous. A shard never separates two files of the same folder that are next to each
 * other in that order; it may separate a folder's subfolders, and the files of a folder that lie
 * between them. So a folder that directly holds more files than the thresholds stays whole, in a
 * shard over the thresholds.
 *
 * <p>An owner is split when it holds more items (files and folders) than {@link ShardOptions#items}
 * or more bytes than {@link ShardOptions#bytes}, into about as many shards as its size over the
 * thresholds asks for; explicit split points ({@link ShardOptions#splitAt}) start a new shard at
 * the first row at or after each of them, whatever the owner's size.
 */
public final class Splitter {
  /** One row of the manifest, in folder-tree order. */
  public record Row(long seq, String path, boolean folder, long size, boolean toTransfer) {}

  /**
   * A shard: rows with {@code fromSeq < seq <= toSeq}.
   *
   * @param items rows (files and folders)
   * @param overThreshold the shard holds more than the thresholds (its folder could not be cut)
   */
  public record Shard(
      long fromSeq,
      long toSeq,
      long items,
      long files,
      long bytes,
      long filesToTransfer,
      long bytesToTransfer,
      String firstPath,
      String lastPath,
      boolean overThreshold) {}

  private final ShardOptions options;
  private final long targetItems;
  private final long targetBytes;
  private final byte[][] splitKeys;
  private int nextSplit;

  private final List<Shard> out = new ArrayList<>();
  private final Part shard = new Part();
  private final Part unit = new Part();
  private Row prev;

  /**
   * A splitter for an owner of {@code items} rows and {@code bytes} bytes whose first row comes
   * after sequence number {@code fromSeq}.
   */
  public Splitter(ShardOptions options, long items, long bytes, long fromSeq) {
    this.options = options;
    long parts =
        Math.max(1, Math.max(ceilDiv(items, options.items()), ceilDiv(bytes, options.bytes())));
    this.targetItems = Math.max(1, ceilDiv(items, parts));
    this.targetBytes = Math.max(1, ceilDiv(bytes, parts));
    this.splitKeys =
        options.splitAt().stream()
            .map(p -> treeKey(p).getBytes(StandardCharsets.UTF_8))
            .sorted(Arrays::compareUnsigned)
            .toArray(byte[][]::new);
    shard.from = fromSeq;
    unit.from = fromSeq;
  }

  /** Whether an owner of this size is split at all (split points always split it). */
  public static boolean splits(ShardOptions options, long items, long bytes) {
    return !options.splitAt().isEmpty() || items > options.items() || bytes > options.bytes();
  }

  /** {@code path} in folder-tree order: {@code /} as the character 1, compared byte by byte. */
  public static String treeKey(String path) {
    return path.replace('/', '\u0001');
  }

  /** Compares two paths in folder-tree order, as PostgreSQL's "C" collation does. */
  public static final Comparator<String> TREE_ORDER =
      (a, b) ->
          Arrays.compareUnsigned(
              treeKey(a).getBytes(StandardCharsets.UTF_8),
              treeKey(b).getBytes(StandardCharsets.UTF_8));

  /** The next row; rows come in folder-tree order with increasing sequence numbers. */
  public void add(Row r) {
    byte[] key = treeKey(r.path()).getBytes(StandardCharsets.UTF_8);
    boolean forced = false;
    while (nextSplit < splitKeys.length && Arrays.compareUnsigned(key, splitKeys[nextSplit]) >= 0) {
      forced = true;
      nextSplit++;
    }
    if (forced) {
      endUnit();
      closeShard();
    } else if (prev != null && cutAllowed(prev, r)) {
      endUnit();
    }
    unit.add(r);
    prev = r;
  }

  /** The shards, once every row was added. */
  public List<Shard> shards() {
    endUnit();
    closeShard();
    return List.copyOf(out);
  }

  /**
   * A cut between {@code a} and {@code b} is along the tree unless both are files of one folder, or
   * {@code b} is the first thing inside folder {@code a} (a folder goes with its contents).
   */
  static boolean cutAllowed(Row a, Row b) {
    String parent = parent(b.path());
    if (a.folder()) {
      return !parent.equals(a.path());
    }
    return b.folder() || !parent(a.path()).equals(parent);
  }

  private static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  /** Adds the unit just ended to the shard, closing the shard first when it is full enough. */
  private void endUnit() {
    if (unit.items == 0) {
      return;
    }
    if (shard.items > 0
        && (shard.items >= targetItems
            || shard.bytes >= targetBytes
            || shard.items + unit.items > options.items()
            || shard.bytes + unit.bytes > options.bytes())) {
      closeShard();
    }
    shard.addAll(unit);
    unit.reset(unit.to);
  }

  private void closeShard() {
    if (shard.items == 0) {
      return;
    }
    out.add(
        new Shard(
            shard.from,
            shard.to,
            shard.items,
            shard.files,
            shard.bytes,
            shard.filesToTransfer,
            shard.bytesToTransfer,
            shard.firstPath,
            shard.lastPath,
            shard.items > options.items() || shard.bytes > options.bytes()));
    shard.reset(shard.to);
  }

  private static long ceilDiv(long a, long b) {
    return b <= 0 ? 0 : (a + b - 1) / b;
  }

  /** Running totals of a range of rows. */
  private static final class Part {
    long from;
    long to;
    long items;
    long files;
    long bytes;
    long filesToTransfer;
    long bytesToTransfer;
    String firstPath;
    String lastPath;

    void add(Row r) {
      if (items == 0) {
        firstPath = r.path();
      }
      to = r.seq();
      lastPath = r.path();
      items++;
      if (!r.folder()) {
        files++;
        bytes += r.size();
        if (r.toTransfer()) {
          filesToTransfer++;
          bytesToTransfer += r.size();
        }
      }
    }

    void addAll(Part p) {
      if (items == 0) {
        firstPath = p.firstPath;
      }
      to = p.to;
      lastPath = p.lastPath;
      items += p.items;
      files += p.files;
      bytes += p.bytes;
      filesToTransfer += p.filesToTransfer;
      bytesToTransfer += p.bytesToTransfer;
    }

    void reset(long at) {
      from = at;
      to = at;
      items = files = bytes = filesToTransfer = bytesToTransfer = 0;
      firstPath = lastPath = null;
    }
  }
}
