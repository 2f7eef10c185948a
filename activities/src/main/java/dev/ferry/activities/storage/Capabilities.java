package dev.ferry.activities.storage;

/**
 * What a connector can do. The engine asks these questions and never tests a connector's class.
 * Every promise made here is checked against each connector, on a real server, by the storage
 * contract suite ({@code StorageContract} in the tests; docs/connectors.md lists the promises).
 *
 * @param folders the store has real folders, so empty folders can be recreated (without folders a
 *     folder exists only as part of a file's path: {@link Storage#mkdirs} does nothing and the
 *     listing shows no folder)
 * @param mtimePrecisionMillis how finely a written file keeps the modification time it was given,
 *     as {@link Storage#stat} reports it afterwards: 1 for milliseconds, 1000 for whole seconds; 0
 *     when the store keeps none
 * @param nativeHash name of the hash the store vouches for after a write (for example {@code
 *     md5-etag}), or {@code sha256-reread} when the written bytes are read back
 * @param maxPathBytes longest path (UTF-8 bytes, relative to the root) the store accepts, or 0 for
 *     no declared limit; a longer path is refused by {@link Storage#write} as a {@link
 *     StorageException.Permanent} that says so
 * @param links the store holds symbolic links: its listing reports them (and can follow them), and
 *     {@link Storage#writeLink} / {@link Storage#readLink} recreate and read them
 * @param resumableWrites a write given an {@link Storage.UploadState} that is kept, and cut off by
 *     a failure, saves there what it had stored, and the next write of the same file with the same
 *     state sends only the bytes the store does not hold yet; other stores keep no state and start
 *     every write afresh
 */
public record Capabilities(
    boolean folders,
    long mtimePrecisionMillis,
    String nativeHash,
    int maxPathBytes,
    boolean links,
    boolean resumableWrites) {

  public Capabilities {
    if (mtimePrecisionMillis < 0) {
      throw new IllegalArgumentException("mtimePrecisionMillis is " + mtimePrecisionMillis);
    }
  }

  /** A written file keeps the modification time it was given (to {@link #mtimePrecisionMillis}). */
  public boolean preservesMtime() {
    return mtimePrecisionMillis > 0;
  }
}
