package dev.ferry.activities.storage;

import java.util.Optional;

/**
 * Paths from a source are never trusted. A path is safe when it is relative (no leading {@code /},
 * no drive letter), uses {@code /} separators, and has no empty, {@code .} or {@code ..} segment
 * and no NUL. A backslash is an ordinary character in a name, except on a destination that reads it
 * as a folder separator ({@link NameRules#backslashSeparator()}): there a path holding one is
 * refused, since {@code a\..\..\b} would climb out of the root.
 */
public final class SafePath {
  private SafePath() {}

  /**
   * Why {@code path} would escape or corrupt the root of a store where only {@code /} separates
   * folders, or empty when it is safe.
   */
  public static Optional<String> problem(String path) {
    return problem(path, false);
  }

  /**
   * Why {@code path} would escape or corrupt the root of a store, or empty when it is safe; {@code
   * backslashSeparator}: the store reads {@code \} as a folder separator too.
   */
  public static Optional<String> problem(String path, boolean backslashSeparator) {
    if (path == null || path.isEmpty()) {
      return Optional.of("empty path");
    }
    if (path.indexOf('\0') >= 0) {
      return Optional.of("path contains a NUL character");
    }
    if (path.startsWith("/") || hasDriveLetter(path)) {
      return Optional.of("absolute path");
    }
    if (backslashSeparator && path.indexOf('\\') >= 0) {
      return Optional.of("path contains a backslash, which the destination reads as a separator");
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty()) {
        return Optional.of("path has an empty segment");
      }
      if (segment.equals("..")) {
        return Optional.of("path has a '..' segment that would escape the destination root");
      }
      if (segment.equals(".")) {
        return Optional.of("path has a '.' segment");
      }
    }
    return Optional.empty();
  }

  /** Whether the path starts with a Windows drive letter and colon ({@code C:}). */
  private static boolean hasDriveLetter(String path) {
    if (path.length() < 2 || path.charAt(1) != ':') {
      return false;
    }
    char c = path.charAt(0);
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }

  /**
   * Returns {@code path} when safe on a store where only {@code /} separates folders, else throws
   * {@link StorageException.Permanent}.
   */
  public static String require(String path) {
    return require(path, false);
  }

  /**
   * Returns {@code path} when safe ({@link #problem(String, boolean)}), else throws {@link
   * StorageException.Permanent}.
   */
  public static String require(String path, boolean backslashSeparator) {
    problem(path, backslashSeparator)
        .ifPresent(
            p -> {
              throw new StorageException.Permanent("refused path '" + path + "': " + p, null);
            });
    return path;
  }

  /** Joins a root prefix (may be empty) and a relative path with a single {@code /}. */
  public static String join(String prefix, String relative) {
    if (prefix == null || prefix.isEmpty()) {
      return relative;
    }
    if (relative.isEmpty()) {
      return prefix;
    }
    return prefix.endsWith("/") ? prefix + relative : prefix + "/" + relative;
  }
}
