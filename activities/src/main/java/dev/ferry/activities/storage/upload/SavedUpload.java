package dev.ferry.activities.storage.upload;

import java.util.regex.Pattern;

/**
 * What the driver keeps (in {@link dev.ferry.activities.storage.Storage.UploadState}) about one
 * unfinished upload, for every connector, as one line of text: {@code <tag> size=N mtime=MILLIS
 * part=BYTES[ upload=TEXT]}. The tag names the connector's kind of upload ({@code s3-multipart},
 * {@code azure-blocks}, {@code graph-session}), so a record is never taken for another's; {@code
 * upload} is the store's handle of the upload (an S3 upload id, a Graph upload URL), last because
 * it is the store's text. It holds no secret.
 *
 * <p>Records saved before the driver existed are read as they were meant: S3's and Azure's had this
 * very form, and Graph's {@code graph-v1 SIZE MTIME FRAGMENT URL} is read as a {@code
 * graph-session}.
 *
 * @param upload the store's handle, or null when the store needs none (Azure finds its blocks by
 *     the blob's name)
 */
public record SavedUpload(String tag, long size, long mtimeMillis, long partSize, String upload) {
  private static final Pattern TAG = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
  private static final String GRAPH_V1 = "graph-v1";

  public SavedUpload {
    if (!TAG.matcher(tag).matches()) {
      throw new IllegalArgumentException("not an upload tag: " + tag);
    }
  }

  /** The line that {@link #parse} reads back. */
  public String format() {
    return tag
        + " size="
        + size
        + " mtime="
        + mtimeMillis
        + " part="
        + partSize
        + (upload == null ? "" : " upload=" + upload);
  }

  /** The record, or null when the text is not one (damaged, or of a format Ferry never wrote). */
  public static SavedUpload parse(String text) {
    if (text == null) {
      return null;
    }
    if (text.startsWith(GRAPH_V1 + " ")) {
      return legacyGraph(text);
    }
    String[] f = text.split(" ", 5);
    if (f.length < 4
        || !TAG.matcher(f[0]).matches()
        || !f[1].startsWith("size=")
        || !f[2].startsWith("mtime=")
        || !f[3].startsWith("part=")
        || (f.length == 5 && (!f[4].startsWith("upload=") || f[4].length() == 7))) {
      return null;
    }
    try {
      return new SavedUpload(
          f[0],
          Long.parseLong(f[1].substring(5)),
          Long.parseLong(f[2].substring(6)),
          Long.parseLong(f[3].substring(5)),
          f.length == 5 ? f[4].substring(7) : null);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Graph's record before the driver: {@code graph-v1 SIZE MTIME FRAGMENT URL}. */
  private static SavedUpload legacyGraph(String text) {
    String[] p = text.split(" ", 5);
    if (p.length != 5 || p[4].isEmpty()) {
      return null;
    }
    try {
      return new SavedUpload(
          "graph-session",
          Long.parseLong(p[1]),
          Long.parseLong(p[2]),
          Integer.parseInt(p[3]),
          p[4]);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
