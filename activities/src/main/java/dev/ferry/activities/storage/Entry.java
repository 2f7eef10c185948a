package dev.ferry.activities.storage;

import java.util.Objects;

/**
 * One object or folder in a storage system, as listed or as about to be written.
 *
 * @param path path relative to the connector's root, segments separated by {@code /}, never
 *     starting with {@code /}
 * @param folder true for a folder (only listed by connectors whose capabilities have folders)
 * @param size size in bytes (0 for folders)
 * @param mtimeMillis modification time in epoch milliseconds, or -1 when unknown
 */
public record Entry(String path, boolean folder, long size, long mtimeMillis) {
  public Entry {
    Objects.requireNonNull(path, "path");
  }

  public static Entry file(String path, long size, long mtimeMillis) {
    return new Entry(path, false, size, mtimeMillis);
  }

  public static Entry folder(String path, long mtimeMillis) {
    return new Entry(path, true, 0, mtimeMillis);
  }
}
