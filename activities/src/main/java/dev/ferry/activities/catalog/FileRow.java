package dev.ferry.activities.catalog;

/**
 * One path of a run as the manifest holds it.
 *
 * @param seq the row's sequence number in the run
 * @param path path relative to the source root
 * @param folder true for a folder
 * @param size size in bytes when scanned
 * @param mtime modification time in epoch milliseconds when scanned
 * @param action what the plan decided: COPY, CHECK, UNCHANGED, MKDIR, REFUSE
 * @param knownSha256 SHA-256 of the last verified copy (for CHECK), or null
 * @param destPath path relative to the destination root: the source path, or the name it was
 *     remapped to because the destination refuses the original
 */
public record FileRow(
    long seq,
    String path,
    boolean folder,
    long size,
    long mtime,
    String action,
    String knownSha256,
    String destPath) {

  public FileRow {
    destPath = destPath == null ? path : destPath;
  }

  /** The same row with the size and time found now. */
  public FileRow withSizeAndTime(long size, long mtime) {
    return new FileRow(seq, path, folder, size, mtime, action, knownSha256, destPath);
  }
}
