package dev.ferry.activities.catalog;

import java.util.List;

/**
 * When an owner is split into shards (see {@code engine.Splitter}).
 *
 * @param items an owner with more items (files and folders) than this is split, each shard holding
 *     at most this many where its folder tree allows
 * @param bytes likewise in bytes
 * @param splitAt explicit split points: paths relative to the owner's source root before which a
 *     new shard starts (in folder-tree order), whatever the owner's size
 */
public record ShardOptions(long items, long bytes, List<String> splitAt) {
  /** Items an owner holds before it is split. */
  public static final long DEFAULT_ITEMS = 400_000;

  /** Bytes an owner holds before it is split: 5 TB. */
  public static final long DEFAULT_BYTES = 5_000_000_000_000L;

  /** The most split points a job may name. */
  public static final int MAX_SPLIT_POINTS = 1000;

  public ShardOptions {
    items = items <= 0 ? DEFAULT_ITEMS : items;
    bytes = bytes <= 0 ? DEFAULT_BYTES : bytes;
    splitAt = splitAt == null ? List.of() : List.copyOf(splitAt);
  }

  public static ShardOptions defaults() {
    return new ShardOptions(DEFAULT_ITEMS, DEFAULT_BYTES, List.of());
  }

  /** Why {@code path} cannot be a split point, or null when it can. */
  public static String problem(String path) {
    if (path == null || path.isBlank()) {
      return "must not be empty";
    }
    if (path.startsWith("/") || path.endsWith("/")) {
      return "must be a path relative to the owner's source root, without a leading or trailing /";
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return "must not contain empty, '.' or '..' parts";
      }
    }
    return null;
  }
}
