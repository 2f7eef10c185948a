package dev.ferry.activities.storage;

import java.util.Objects;

/**
 * One object or folder in a storage system, as listed or as about to be written.
 *
 * @param path path relative to the connector's root, segments separated by {@code /}, never
 *     starting with {@code /}
 * @param folder true for a folder (only listed by connectors whose capabilities have folders)
 * @param size size in bytes (0 for folders, links and special files)
 * @param mtimeMillis modification time in epoch milliseconds, or -1 when unknown
 * @param kind what the entry is: a file, a folder, a symbolic link or a special file (only stores
 *     whose capabilities hold links list the last two)
 * @param target for a {@link Kind#LINK}, the link's target as stored (may be relative, absolute, or
 *     name nothing); for a link a listing that follows links could not follow, why; else null
 */
public record Entry(
    String path, boolean folder, long size, long mtimeMillis, Kind kind, String target) {

  /** What an entry is. */
  public enum Kind {
    FILE,
    FOLDER,
    /** A symbolic link, not followed: {@link #target()} is its target. */
    LINK,
    /** A link a listing that follows links did not follow: it leads outside the root. */
    LINK_OUTSIDE,
    /** A link a listing that follows links did not follow: it leads to an enclosing folder. */
    LINK_LOOP,
    /** A link a listing that follows links could not follow: its target does not exist. */
    LINK_BROKEN,
    /** A named pipe. */
    FIFO,
    /** A Unix domain socket. */
    SOCKET,
    /** A character or block device. */
    DEVICE,
    /** Another kind of special file (a door, a whiteout, a type the store does not name). */
    SPECIAL;

    /**
     * Why a listing's entry of this kind is not copied (links only with the default {@code skip}).
     */
    public String skipReason() {
      return switch (this) {
        case LINK -> "symbolic link, not followed";
        case LINK_LOOP -> "symbolic link to an enclosing folder (a loop), not followed";
        case LINK_BROKEN -> "symbolic link to nothing (its target does not exist), not followed";
        case LINK_OUTSIDE ->
            "symbolic link leading outside the source root: not followed, not read";
        case FIFO -> "named pipe (FIFO), not copied";
        case SOCKET -> "socket, not copied";
        case DEVICE -> "device, not copied";
        case SPECIAL -> "special file, not copied";
        case FILE, FOLDER -> null;
      };
    }

    /** True for the kinds of symbolic link. */
    public boolean isLink() {
      return this == LINK || this == LINK_OUTSIDE || this == LINK_LOOP || this == LINK_BROKEN;
    }
  }

  public Entry {
    Objects.requireNonNull(path, "path");
    kind = kind == null ? (folder ? Kind.FOLDER : Kind.FILE) : kind;
    if (folder != (kind == Kind.FOLDER)) {
      throw new IllegalArgumentException("folder is " + folder + " for a " + kind);
    }
  }

  public Entry(String path, boolean folder, long size, long mtimeMillis) {
    this(path, folder, size, mtimeMillis, null, null);
  }

  public static Entry file(String path, long size, long mtimeMillis) {
    return new Entry(path, false, size, mtimeMillis);
  }

  public static Entry folder(String path, long mtimeMillis) {
    return new Entry(path, true, 0, mtimeMillis);
  }

  /** A symbolic link that is listed, not followed. */
  public static Entry link(String path, String target, long mtimeMillis) {
    return link(path, Kind.LINK, target, mtimeMillis);
  }

  /** A symbolic link of one of the link kinds (listed, or not followed for the reason it names). */
  public static Entry link(String path, Kind kind, String target, long mtimeMillis) {
    if (!kind.isLink()) {
      throw new IllegalArgumentException(kind + " is not a link");
    }
    return new Entry(path, false, 0, mtimeMillis, kind, target);
  }

  /** A named pipe, socket, device or other special file. */
  public static Entry special(String path, Kind kind, long mtimeMillis) {
    if (kind == Kind.FILE || kind == Kind.FOLDER || kind.isLink()) {
      throw new IllegalArgumentException(kind + " is not a special file");
    }
    return new Entry(path, false, 0, mtimeMillis, kind, null);
  }

  /** True for a regular file (what the engine copies). */
  public boolean isFile() {
    return kind == Kind.FILE;
  }
}
