package dev.ferry.activities.engine;

import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.storage.Entry;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * Include / exclude globs and modification-time bounds. A glob without {@code /} matches a name in
 * any folder ({@code *.tmp}); one with {@code /} matches the whole path from the root ({@code
 * photos/**}); {@code **} crosses folders, {@code *} does not. Exclude wins over include.
 */
public final class Filters {
  private final List<PathMatcher> include;
  private final List<PathMatcher> includeNames;
  private final List<PathMatcher> exclude;
  private final List<PathMatcher> excludeNames;
  private final long olderThan;
  private final long newerThan;

  public Filters(List<String> include, List<String> exclude, long olderThan, long newerThan) {
    this.include = new ArrayList<>();
    this.includeNames = new ArrayList<>();
    this.exclude = new ArrayList<>();
    this.excludeNames = new ArrayList<>();
    include.forEach(g -> add(g, this.include, this.includeNames));
    exclude.forEach(g -> add(g, this.exclude, this.excludeNames));
    this.olderThan = olderThan;
    this.newerThan = newerThan;
  }

  public static Filters of(RunOptions o) {
    return new Filters(o.include(), o.exclude(), o.olderThanMillis(), o.newerThanMillis());
  }

  /** Checks a glob's syntax; returns the problem in words, or null when it is valid. */
  public static String problem(String glob) {
    if (glob == null || glob.isBlank()) {
      return "a pattern must not be empty";
    }
    try {
      add(glob, new ArrayList<>(), new ArrayList<>());
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  private static void add(String glob, List<PathMatcher> paths, List<PathMatcher> names) {
    String g = glob.startsWith("/") ? glob.substring(1) : glob;
    boolean anchored = glob.startsWith("/") || g.contains("/");
    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + g);
    if (!anchored) {
      names.add(m);
      return;
    }
    paths.add(m);
    if (g.startsWith("**/")) { // "**/x" also matches "x" at the root
      paths.add(FileSystems.getDefault().getPathMatcher("glob:" + g.substring(3)));
    }
  }

  private static boolean any(List<PathMatcher> paths, List<PathMatcher> names, String path) {
    Path p = Path.of(path);
    for (PathMatcher m : paths) {
      if (m.matches(p)) {
        return true;
      }
    }
    Path name = p.getFileName();
    for (PathMatcher m : names) {
      if (m.matches(name)) {
        return true;
      }
    }
    return false;
  }

  /** True when the file passes every filter. */
  public boolean accepts(Entry e) {
    if (e.folder()) {
      return acceptsFolder(e.path());
    }
    if (any(exclude, excludeNames, e.path())) {
      return false;
    }
    if ((!include.isEmpty() || !includeNames.isEmpty()) && !any(include, includeNames, e.path())) {
      return false;
    }
    if (olderThan >= 0 && !(e.mtimeMillis() >= 0 && e.mtimeMillis() < olderThan)) {
      return false;
    }
    return newerThan < 0 || (e.mtimeMillis() >= 0 && e.mtimeMillis() > newerThan);
  }

  /**
   * True when a folder should be recreated: no include filter narrows the job and no exclude
   * pattern matches the folder or everything in it.
   */
  public boolean acceptsFolder(String path) {
    if (!include.isEmpty() || !includeNames.isEmpty()) {
      return false;
    }
    return !any(exclude, excludeNames, path) && !any(exclude, excludeNames, path + "/x");
  }

  /** True when a file under this folder could still be accepted by some filter. */
  public boolean isEmpty() {
    return include.isEmpty()
        && includeNames.isEmpty()
        && exclude.isEmpty()
        && excludeNames.isEmpty()
        && olderThan < 0
        && newerThan < 0;
  }
}
