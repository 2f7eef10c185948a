package dev.ferry.activities.storage;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The names a store refuses, and a reversible way to rename a path so that it accepts it. A
 * connector declares its rules ({@link Storage#nameRules()}); the scan checks every source path
 * against the destination's rules and, depending on the job's {@code names} option, refuses the
 * path (it is reported and skipped) or copies it under {@link #remap(String) its remapped name}
 * (the report pairs both names, so the rename can be undone).
 *
 * <p>Remapping follows the convention rclone and the OneDrive client use: a forbidden ASCII
 * character becomes its full-width look-alike ({@code :} → {@code ：}), a control character its
 * Unicode control picture, a leading or trailing space {@code ␠}, a trailing dot {@code ．}; a
 * reserved name gets an {@code _} before its extension ({@code CON} → {@code CON_}, {@code
 * desktop.ini} → {@code desktop_.ini}), a forbidden prefix or infix has its last character made
 * full-width ({@code ~$a} → {@code ~＄a}). A path too long for the store cannot be fixed by renaming
 * characters and stays refused.
 *
 * <p>A backslash is an ordinary character to most stores (POSIX file systems, SFTP, S3). Where the
 * store reads it as a folder separator ({@code backslashSeparator}: Azure Blob, a Windows file
 * system), a name holding one would silently become folders, so it is refused like a forbidden
 * character and remapped to {@code ＼}.
 *
 * @param store the store's name, for messages
 * @param forbiddenChars characters no name may contain
 * @param controlChars whether characters U+0000–U+001F are refused
 * @param reservedNames whole names (compared case-insensitively, kept lower-case here) refused
 * @param forbiddenPrefixes prefixes no name may start with
 * @param forbiddenInfixes strings no name may contain (compared case-insensitively, lower-case)
 * @param noEdgeSpaces names may not start or end with a space
 * @param noTrailingDot names may not end with a dot
 * @param maxPathChars the longest path in characters (code points), or 0 for no limit
 * @param maxSegments the most path segments, or 0 for no limit
 * @param caseInsensitive names that differ only in case are one name to the store, so two such
 *     source paths would overwrite each other
 * @param backslashSeparator the store reads {@code \} in a name as a folder separator, as it reads
 *     {@code /}; the engine asks this (never the connector's class) to judge backslashes, here and
 *     in {@link SafePath#problem(String, boolean)}
 * @param rootReservedNames names (lower-case) refused as the first segment of a path only: the
 *     store's root holds something of that name itself (a SharePoint library's {@code Forms})
 */
public record NameRules(
    String store,
    String forbiddenChars,
    boolean controlChars,
    Set<String> reservedNames,
    List<String> forbiddenPrefixes,
    List<String> forbiddenInfixes,
    boolean noEdgeSpaces,
    boolean noTrailingDot,
    int maxPathChars,
    int maxSegments,
    boolean caseInsensitive,
    boolean backslashSeparator,
    Set<String> rootReservedNames) {

  public NameRules {
    rootReservedNames = rootReservedNames == null ? Set.of() : Set.copyOf(rootReservedNames);
  }

  /** Rules without names reserved at the root. */
  public NameRules(
      String store,
      String forbiddenChars,
      boolean controlChars,
      Set<String> reservedNames,
      List<String> forbiddenPrefixes,
      List<String> forbiddenInfixes,
      boolean noEdgeSpaces,
      boolean noTrailingDot,
      int maxPathChars,
      int maxSegments,
      boolean caseInsensitive,
      boolean backslashSeparator) {
    this(
        store,
        forbiddenChars,
        controlChars,
        reservedNames,
        forbiddenPrefixes,
        forbiddenInfixes,
        noEdgeSpaces,
        noTrailingDot,
        maxPathChars,
        maxSegments,
        caseInsensitive,
        backslashSeparator,
        Set.of());
  }

  /** A store that takes any name the engine considers safe. */
  public static final NameRules NONE =
      new NameRules(
          "", "", false, Set.of(), List.of(), List.of(), false, false, 0, 0, false, false);

  /**
   * A store that takes any safe name but reads a backslash as a folder separator (a file system on
   * Windows), or {@link #NONE} when {@code backslashSeparator} is false.
   */
  public static NameRules separatorsOnly(String store, boolean backslashSeparator) {
    return backslashSeparator
        ? new NameRules(
            store, "", false, Set.of(), List.of(), List.of(), false, false, 0, 0, false, true)
        : NONE;
  }

  /**
   * OneDrive and SharePoint Online document libraries, as Microsoft documents them ("Restrictions
   * and limitations in OneDrive and SharePoint"): the characters {@code " * : < > ? / \ |}, leading
   * and trailing spaces, the names {@code .lock CON PRN AUX NUL COM0–COM9 LPT0–LPT9 desktop.ini},
   * {@code _vti_} anywhere in a name, names starting with {@code ~} (on OneDrive for work or school
   * and SharePoint, which Ferry writes to; {@code ~$} elsewhere), and decoded paths longer than 400
   * characters (the server-relative path, {@code sites/{site}/{library}/…}: a connector lowers the
   * limit by what its location uses of it, {@link #withMaxPathChars}). Control characters and a
   * trailing dot are refused as well: the OneDrive client will not sync them. Names are told apart
   * without regard to case. A folder {@code Forms} at a library's root is refused too (the library
   * keeps its forms there): a connector writing to a library's root adds it ({@link
   * #withRootReservedNames}).
   */
  public static NameRules sharePoint(String store) {
    java.util.Set<String> reserved = new java.util.HashSet<>();
    reserved.addAll(List.of(".lock", "con", "prn", "aux", "nul", "desktop.ini"));
    for (int i = 0; i <= 9; i++) {
      reserved.add("com" + i);
      reserved.add("lpt" + i);
    }
    return new NameRules(
        store,
        "\"*:<>?\\|",
        true,
        Set.copyOf(reserved),
        List.of("~"),
        List.of("_vti_"),
        true,
        true,
        400,
        0,
        true,
        false);
  }

  /** The same rules with another path limit (a root folder uses part of the store's limit). */
  public NameRules withMaxPathChars(int max) {
    return new NameRules(
        store,
        forbiddenChars,
        controlChars,
        reservedNames,
        forbiddenPrefixes,
        forbiddenInfixes,
        noEdgeSpaces,
        noTrailingDot,
        max,
        maxSegments,
        caseInsensitive,
        backslashSeparator,
        rootReservedNames);
  }

  /** The same rules refusing these names (any case) as a path's first segment. */
  public NameRules withRootReservedNames(Set<String> names) {
    Set<String> lower = new java.util.HashSet<>();
    names.forEach(n -> lower.add(n.toLowerCase(Locale.ROOT)));
    return new NameRules(
        store,
        forbiddenChars,
        controlChars,
        reservedNames,
        forbiddenPrefixes,
        forbiddenInfixes,
        noEdgeSpaces,
        noTrailingDot,
        maxPathChars,
        maxSegments,
        caseInsensitive,
        backslashSeparator,
        lower);
  }

  /** Why the store would refuse {@code path}, or empty when it would take it. */
  public Optional<String> problem(String path) {
    String[] segments = path.split("/", -1);
    if (maxSegments > 0 && segments.length > maxSegments) {
      return Optional.of(
          "the path has "
              + segments.length
              + " segments; "
              + store
              + " allows at most "
              + maxSegments);
    }
    if (rootReservedNames.contains(segments[0].toLowerCase(Locale.ROOT))) {
      return Optional.of(
          "'" + segments[0] + "' is a name " + store + " reserves at the root of a library");
    }
    for (String s : segments) {
      Optional<String> p = segmentProblem(s);
      if (p.isPresent()) {
        return p;
      }
    }
    int chars = path.codePointCount(0, path.length());
    if (maxPathChars > 0 && chars > maxPathChars) {
      return Optional.of(
          "the path is "
              + chars
              + " characters long; "
              + store
              + " allows at most "
              + maxPathChars);
    }
    return Optional.empty();
  }

  private Optional<String> segmentProblem(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && backslashSeparator) {
        return Optional.of(
            "'"
                + printable(s)
                + "' contains '\\', which "
                + store
                + " reads as a folder separator");
      }
      if (forbiddenChars.indexOf(c) >= 0) {
        return Optional.of(
            "'"
                + printable(s)
                + "' contains "
                + (Character.isISOControl(c) ? codePoint(c) : "'" + c + "'")
                + ", which "
                + store
                + " does not allow");
      }
      if (controlChars && c < 0x20) {
        return Optional.of(
            "'"
                + printable(s)
                + "' contains the control character "
                + codePoint(c)
                + ", which "
                + store
                + " does not allow");
      }
    }
    String lower = s.toLowerCase(Locale.ROOT);
    if (reservedNames.contains(lower)) {
      return Optional.of("'" + s + "' is a name " + store + " reserves");
    }
    for (String prefix : forbiddenPrefixes) {
      if (lower.startsWith(prefix)) {
        return Optional.of("'" + s + "' starts with '" + prefix + "', which " + store + " refuses");
      }
    }
    for (String infix : forbiddenInfixes) {
      if (lower.contains(infix)) {
        return Optional.of("'" + s + "' contains '" + infix + "', which " + store + " refuses");
      }
    }
    if (noEdgeSpaces && (s.startsWith(" ") || s.endsWith(" "))) {
      return Optional.of(
          "'" + s + "' starts or ends with a space, which " + store + " does not allow");
    }
    if (noTrailingDot && s.endsWith(".")) {
      return Optional.of("'" + s + "' ends with '.', which " + store + " does not allow");
    }
    return Optional.empty();
  }

  private static String codePoint(char c) {
    return "U+" + String.format(Locale.ROOT, "%04X", (int) c);
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.chars().forEach(c -> b.append(c < 0x20 ? (char) (0x2400 + c) : (char) c));
    return b.toString();
  }

  /**
   * {@code path} renamed so that the store takes it, segment by segment; the path itself when it is
   * fine; empty when renaming cannot help (the path is too long or has too many segments).
   */
  public Optional<String> remap(String path) {
    if (problem(path).isEmpty()) {
      return Optional.of(path);
    }
    String[] segments = path.split("/", -1);
    StringBuilder out = new StringBuilder(path.length() + 8);
    for (int i = 0; i < segments.length; i++) {
      if (i > 0) {
        out.append('/');
      }
      String r = remapSegment(segments[i]);
      if (i == 0 && rootReservedNames.contains(r.toLowerCase(Locale.ROOT))) {
        r = r + "_";
      }
      out.append(r);
    }
    String remapped = out.toString();
    return problem(remapped).isEmpty() ? Optional.of(remapped) : Optional.empty();
  }

  private String remapSegment(String s) {
    if (segmentProblem(s).isEmpty()) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length() + 2);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((forbiddenChars.indexOf(c) >= 0 || (c == '\\' && backslashSeparator))
          && c > 0x20
          && c < 0x7f) {
        b.append((char) (c + 0xFEE0)); // the FULLWIDTH form of an ASCII character
      } else if (controlChars && c < 0x20) {
        b.append((char) (0x2400 + c)); // SYMBOL FOR NULL .. SYMBOL FOR UNIT SEPARATOR
      } else {
        b.append(c);
      }
    }
    if (noEdgeSpaces) {
      if (b.length() > 0 && b.charAt(0) == ' ') {
        b.setCharAt(0, '\u2420'); // SYMBOL FOR SPACE
      }
      if (b.length() > 0 && b.charAt(b.length() - 1) == ' ') {
        b.setCharAt(b.length() - 1, '\u2420');
      }
    }
    if (noTrailingDot && b.length() > 0 && b.charAt(b.length() - 1) == '.') {
      b.setCharAt(b.length() - 1, '\uFF0E'); // FULLWIDTH FULL STOP
    }
    String r = b.toString();
    String lower = r.toLowerCase(Locale.ROOT);
    for (String prefix : forbiddenPrefixes) {
      if (lower.startsWith(prefix)) {
        r = fullWidthAt(r, prefix.length() - 1);
        lower = r.toLowerCase(Locale.ROOT);
      }
    }
    for (String infix : forbiddenInfixes) {
      int at;
      while ((at = lower.indexOf(infix)) >= 0) {
        r = fullWidthAt(r, at + infix.length() - 1);
        lower = r.toLowerCase(Locale.ROOT);
      }
    }
    if (reservedNames.contains(lower)) {
      int dot = r.indexOf('.', 1);
      r = dot < 0 ? r + "_" : r.substring(0, dot) + "_" + r.substring(dot);
    }
    return r;
  }

  private static String fullWidthAt(String s, int i) {
    char c = s.charAt(i);
    char wide = c > 0x20 && c < 0x7f ? (char) (c + 0xFEE0) : '_';
    return s.substring(0, i) + wide + s.substring(i + 1);
  }
}
