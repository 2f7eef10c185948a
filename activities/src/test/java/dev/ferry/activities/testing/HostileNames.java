package dev.ferry.activities.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A corpus of hostile file names, every one of them legal on a Linux file system (so it can be a
 * local source): control characters, each character some store forbids, leading and trailing spaces
 * and dots, NFC and NFD spellings of one name, names that differ only in case, 255-byte names, deep
 * trees, Windows-reserved names, characters URLs must escape. Each entry says, from the stores' own
 * documentation rather than from Ferry's code, which destinations refuse it and whether a
 * look-alike name can fix it.
 *
 * <p>Destinations are named {@link #AZURE} and {@link #ONEDRIVE} (OneDrive and SharePoint share
 * their rules); local folders, SFTP and S3 take every name here.
 */
public final class HostileNames {
  public static final String AZURE = "azure";
  public static final String ONEDRIVE = "onedrive";

  private HostileNames() {}

  /**
   * One file of the corpus.
   *
   * @param path the relative path, {@code /}-separated
   * @param why what makes it hostile
   * @param refusedBy the destinations whose rules refuse it
   * @param unfixableBy those of them where no renaming helps (it stays refused with {@code remap})
   */
  public record Name(String path, String why, Set<String> refusedBy, Set<String> unfixableBy) {
    /** Whether {@code store} refuses this path by default. */
    public boolean refusedBy(String store) {
      return refusedBy.contains(store);
    }

    /** The file's content: its path and a marker, so every file's bytes differ. */
    public byte[] content() {
      return ("hostile name: " + path).getBytes(StandardCharsets.UTF_8);
    }
  }

  /** The paths that differ only in case: a store that ignores case keeps one of them. */
  public static final List<String> CASE_PAIR = List.of("case/Report.txt", "case/report.txt");

  /** The longest names (255 bytes in UTF-8, the usual limit of one name on a file system). */
  public static final List<String> LONGEST =
      List.of(
          "long/" + "n".repeat(251) + ".txt",
          "long/" + "\u00e9".repeat(125) + "x.txt",
          "long/" + "\u65e5".repeat(85));

  /** The whole corpus, in a stable order. */
  public static List<Name> corpus() {
    List<Name> out = new ArrayList<>();
    Set<String> both = Set.of(AZURE, ONEDRIVE);
    Set<String> od = Set.of(ONEDRIVE);
    Set<String> none = Set.of();
    // control characters: Azure and OneDrive refuse U+0000-U+001F (a control picture fixes them)
    for (char c : new char[] {'\u0001', '\t', '\n', '\r', '\u001b', '\u001f'}) {
      out.add(
          new Name(String.format("ctl/c%02x-%c-x.txt", (int) c, c), "a C0 control", both, none));
    }
    out.add(new Name("ctl/del-\u007f-x.txt", "DEL, taken everywhere", none, none));
    // Azure documents the C1 controls (U+0081 is its example) as not allowed; no look-alike
    out.add(new Name("ctl/c1-\u0081-x.txt", "a C1 control", Set.of(AZURE), Set.of(AZURE)));
    out.add(new Name("ctl/c1-\u009f-x.txt", "a C1 control", Set.of(AZURE), Set.of(AZURE)));
    // the characters OneDrive and SharePoint forbid (a '/' cannot be in a local name at all)
    for (String c : List.of("\"", "*", ":", "<", ">", "?", "|")) {
      out.add(new Name("chars/" + c + "-in-name.txt", "'" + c + "'", od, none));
    }
    out.add(new Name("chars/colon:folder/inner.txt", "':' in a folder name", od, none));
    // a backslash: ordinary on POSIX, SFTP and S3; a separator to Azure; forbidden on OneDrive
    out.add(new Name("back\\slash.txt", "a backslash", both, none));
    out.add(new Name("bs/a\\..\\..\\escape.txt", "a backslash path that climbs", both, none));
    out.add(new Name("bs/\\leading-backslash", "a leading backslash", both, none));
    out.add(new Name("bs/trailing-backslash\\", "a trailing backslash", both, none));
    out.add(new Name("bs\\folder/inner.txt", "a backslash in a folder name", both, none));
    // spaces and dots at the edges
    out.add(new Name("edges/ leading-space.txt", "a leading space", od, none));
    out.add(new Name("edges/trailing-space.txt ", "a trailing space", od, none));
    out.add(new Name("edges/trailing-dot.", "a trailing dot", both, none));
    out.add(new Name("edges/...", "only dots", both, none));
    out.add(new Name("edges/dotted-folder./inner.txt", "a folder with a trailing dot", both, none));
    out.add(new Name("edges/spaced-folder /inner.txt", "a folder with a trailing space", od, none));
    out.add(new Name("edges/..hidden", "two leading dots", none, none));
    out.add(new Name("edges/x..y", "two inner dots", none, none));
    // one name, two Unicode normalizations: two distinct names everywhere here
    out.add(new Name("norm/caf\u00e9.txt", "NFC", none, none));
    out.add(new Name("norm/cafe\u0301.txt", "NFD", none, none));
    // names that differ only in case: the case-insensitive store keeps the first it lists
    for (String p : CASE_PAIR) {
      out.add(new Name(p, "differs from another only in case", none, none));
    }
    for (String p : LONGEST) {
      out.add(new Name(p, "a 255-byte name", none, none));
    }
    // deep trees: 61 short segments fit everywhere; 70 long ones pass OneDrive's 400 characters
    out.add(new Name("deep/" + "d/".repeat(60) + "bottom.txt", "62 segments", none, none));
    StringBuilder deeper = new StringBuilder("deeper/");
    for (int i = 0; i < 70; i++) {
      deeper.append(String.format("level-%02d/", i));
    }
    out.add(new Name(deeper + "x.txt", "a 642-character path", od, od));
    // reserved on Windows (and by OneDrive / SharePoint as whole names)
    for (String n :
        List.of(
            "CON", "PRN", "aux", "NUL", "COM1", "LPT1", "desktop.ini", "~$draft.docx", ".lock")) {
      out.add(new Name("win/" + n, "reserved by Windows or OneDrive", od, none));
    }
    out.add(new Name("win/a_vti_b.txt", "'_vti_' inside", od, none));
    out.add(new Name("win/con.txt", "CON with an extension: only Windows minds", none, none));
    // characters a URL must escape, and other awkward code points
    for (String n :
        List.of(
            "pct%20.txt",
            "hash#.txt",
            "plus+amp&.txt",
            "semi;eq=.txt",
            "quote'.txt",
            "emoji\uD83D\uDE00.txt",
            "nbsp\u00a0zwsp\u200b.txt",
            "fullwidth\uFF1A.txt")) {
      out.add(new Name("url/" + n, "a character URLs escape", none, none));
    }
    return List.copyOf(out);
  }

  /** Writes the corpus under {@code root}, every file with one modification time: path → bytes. */
  public static Map<String, byte[]> write(Path root, long mtimeMillis) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (Name n : corpus()) {
      Path f = root.resolve(n.path());
      Files.createDirectories(f.getParent());
      Files.write(f, n.content());
      Files.setLastModifiedTime(f, FileTime.fromMillis(mtimeMillis));
      out.put(n.path(), n.content());
    }
    return out;
  }
}
