package dev.ferry.activities.engine;

import dev.ferry.activities.storage.Entry;

/**
 * What a run does with symbolic links, named pipes, sockets and devices of the source (option
 * {@code links}: {@code skip}, {@code follow}, {@code preserve}).
 *
 * <ul>
 *   <li>Special files are never opened: skipped with the reason ("named pipe (FIFO), not copied").
 *   <li>{@code skip}: a link is skipped ("symbolic link, not followed").
 *   <li>{@code follow}: the listing has already replaced a link inside the source root by what it
 *       leads to; one leading outside is refused (failed, never read), one leading to an enclosing
 *       folder or to nothing is skipped with the reason.
 *   <li>{@code preserve}: a link with a relative target that stays inside the source root (it may
 *       climb with {@code ..} first, no higher than the root, then only name folders) is recreated
 *       with the same target ({@code LINK}); an absolute target, or one that climbs out of the root
 *       or climbs after a name (through another link it could leave the root), is refused, so that
 *       no link Ferry writes at the destination leads out of its root.
 * </ul>
 */
public final class Links {
  /** How a recreated link is verified: its target read back and compared. */
  public static final String VERIFIED_BY = "link-target";

  private Links() {}

  /** The scan's row for a link or special file. */
  record Row(String action, String outcome, String reason, String destPath) {}

  static Row decide(Entry e, boolean preserve, Names names, boolean dryRun) {
    String to = e.target() == null ? "" : " to '" + e.target() + "'";
    return switch (e.kind()) {
      case LINK -> {
        if (!preserve) {
          yield skipped(e.kind().skipReason());
        }
        String escape = escapes(e.path(), e.target());
        if (escape != null) {
          yield refused(escape);
        }
        Names.Decision d = names.decide(e.path());
        if (d.refusal() != null) {
          yield refused("refused: " + d.refusal());
        }
        yield new Row(
            "LINK",
            dryRun ? "skipped" : null,
            dryRun
                ? "dry run: would recreate the symbolic link"
                    + to
                    + (d.destPath() == null ? "" : " as '" + d.destPath() + "'")
                : null,
            d.destPath());
      }
      case LINK_OUTSIDE ->
          refused("symbolic link" + to + " leads outside the source root: not followed, not read");
      case LINK_LOOP ->
          skipped(
              "symbolic link" + to + " leads to a folder that encloses it (a loop): not followed");
      case LINK_BROKEN ->
          skipped("symbolic link" + to + " leads to nothing (its target does not exist): skipped");
      default -> skipped(e.kind().skipReason());
    };
  }

  private static Row skipped(String reason) {
    return new Row("NONE", "skipped", reason, null);
  }

  private static Row refused(String reason) {
    return new Row("REFUSE", "failed", reason, null);
  }

  /**
   * Why a link at {@code path} with {@code target} cannot be recreated as it is, or null when its
   * target, read from the link's folder, stays inside the root.
   */
  public static String escapes(String path, String target) {
    String why =
        "refused: symbolic link to '"
            + target
            + "' leads outside the source root; preserve recreates only links inside it";
    if (target == null || target.isEmpty() || target.indexOf('\0') >= 0) {
      return "refused: symbolic link with an empty or unreadable target";
    }
    if (target.startsWith("/") || target.contains("\\") || target.matches("^[A-Za-z]:.*")) {
      return why;
    }
    // Climbing is allowed only first (as many levels as the link's folder is deep), names after:
    // a ".." after a name could climb through another link and out of the root.
    int depth = path.split("/").length - 1;
    boolean named = false;
    for (String seg : target.split("/", -1)) {
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        if (named || --depth < 0) {
          return why;
        }
      } else {
        named = true;
      }
    }
    return null;
  }

  /** The message that refuses {@code links=preserve} towards a destination without links. */
  public static String preserveRefused(String destination) {
    return "links=preserve recreates symbolic links, and "
        + destination
        + " cannot hold them; only local folders and SFTP servers can. Use links=skip (the"
        + " default) or links=follow";
  }
}
