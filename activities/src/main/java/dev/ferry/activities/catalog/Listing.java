package dev.ferry.activities.catalog;

/**
 * A scan's listing as the scan produces it, for {@link RunCatalog#recordListing}: first the
 * source's rows (filters, unsafe paths, names and links already decided), then the destination's
 * files. The catalog calls {@link #source} then {@link #destination}, once each, and writes the
 * rows as they come: nothing is held in memory.
 */
public interface Listing {
  /**
   * What the decisions need to know of the destination.
   *
   * @param preservesMtime the destination keeps modification times
   * @param caseInsensitive the destination does not tell names apart by case
   * @param store the destination's kind of store, named in refusals (e.g. "OneDrive")
   */
  record Plan(boolean preservesMtime, boolean caseInsensitive, String store) {}

  /** One source path and what the scan decided for it. */
  record SourceRow(
      String path,
      boolean folder,
      long size,
      long mtime,
      String action,
      String outcome,
      String reason,
      String destPath) {}

  /** Receives rows; may throw an unchecked exception when it cannot record them. */
  interface Sink<T> {
    void put(T row);
  }

  /** Writes the source's rows in listing order; returns how many names were remapped. */
  long source(Sink<SourceRow> rows);

  /** Writes the destination's files: path, size, mtime. */
  void destination(DestSink files);

  /** Receives the destination's files. */
  interface DestSink {
    void put(String path, long size, long mtime);
  }
}
