package dev.ferry.activities.storage;

/**
 * What a connector can do. The engine asks these questions and never tests a connector's class.
 *
 * @param folders the store has real folders, so empty folders can be recreated
 * @param preservesMtime a written object keeps the modification time it was given
 * @param nativeHash name of the hash the store vouches for after a write (for example {@code
 *     md5-etag}), or {@code sha256-reread} when the written bytes are read back
 * @param maxPathBytes longest path (UTF-8 bytes, relative to the root) the store accepts, or 0 for
 *     no declared limit
 * @param links the store holds symbolic links: its listing reports them (and can follow them), and
 *     {@link Storage#writeLink} / {@link Storage#readLink} recreate and read them
 */
public record Capabilities(
    boolean folders, boolean preservesMtime, String nativeHash, int maxPathBytes, boolean links) {

  /** A store without symbolic links. */
  public Capabilities(
      boolean folders, boolean preservesMtime, String nativeHash, int maxPathBytes) {
    this(folders, preservesMtime, nativeHash, maxPathBytes, false);
  }
}
