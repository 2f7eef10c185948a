package dev.ferry.api.server;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The folders of the server's own machine that {@code local} connections run by the server's worker
 * may use: those under a root of {@code FERRY_LOCAL_ROOTS} (absolute paths separated by {@code :};
 * none by default, so none may), never inside or around {@code /proc}, {@code /sys}, {@code /dev}
 * or Ferry's own home (FERRY_HOME, where the master key is), whatever the roots allow.
 *
 * <p>A folder is judged by its real path: {@code ..} and the symbolic links of the part of it that
 * exists are resolved first (as the operating system would), so {@code /srv/data/../../etc} or a
 * link under an allowed root to {@code /etc} is refused. The part that does not exist yet is
 * created as plain folders by the run, so it is judged as written. Thread-safe.
 */
public final class LocalRoots {
  public static final String VARIABLE = "FERRY_LOCAL_ROOTS";

  /** Never read or written, even under an allowed root. */
  static final List<String> SYSTEM = List.of("/proc", "/sys", "/dev");

  private final List<Path> allowed;
  private final Map<Path, String> forbidden;

  private LocalRoots(List<Path> allowed, Map<Path, String> forbidden) {
    this.allowed = List.copyOf(allowed);
    this.forbidden = forbidden;
  }

  /**
   * The roots of {@code FERRY_LOCAL_ROOTS} in {@code env}, Ferry's home {@code home} forbidden.
   *
   * @throws IllegalArgumentException when an entry is not an absolute path, naming it
   */
  public static LocalRoots fromEnv(Map<String, String> env, Path home) {
    return of(env.get(VARIABLE), home);
  }

  static LocalRoots of(String setting, Path home) {
    List<Path> allowed = new ArrayList<>();
    if (setting != null) {
      for (String part : setting.split(File.pathSeparator)) {
        String t = part.trim();
        if (t.isEmpty()) {
          continue;
        }
        Path p;
        try {
          p = Path.of(t);
        } catch (InvalidPathException e) {
          throw new IllegalArgumentException(
              VARIABLE + ": '" + t + "' is not a valid path: " + e.getMessage());
        }
        if (!p.isAbsolute()) {
          throw new IllegalArgumentException(
              VARIABLE
                  + " lists absolute folders separated by '"
                  + File.pathSeparator
                  + "', e.g. /srv/data"
                  + File.pathSeparator
                  + "/mnt/share (got '"
                  + t
                  + "')");
        }
        allowed.add(real(p));
      }
    }
    Map<Path, String> forbidden = new java.util.LinkedHashMap<>();
    for (String s : SYSTEM) {
      forbidden.putIfAbsent(real(Path.of(s)), s);
    }
    if (home != null) {
      Path h = real(home.toAbsolutePath());
      forbidden.putIfAbsent(h, "Ferry's own home " + h + " (FERRY_HOME: the master key)");
    }
    return new LocalRoots(allowed, java.util.Collections.unmodifiableMap(forbidden));
  }

  /** The allowed roots as real paths (empty: no folder of the server may be used). */
  public List<Path> allowed() {
    return allowed;
  }

  /** The setting as the operator would write it, for messages. */
  public String describe() {
    return allowed.isEmpty()
        ? VARIABLE + " is not set"
        : VARIABLE
            + "="
            + allowed.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
  }

  /**
   * Why the folder {@code root} joined with {@code sub} (relative, {@code /}-separated, may be
   * empty) may not be used by the server's worker, or empty when it may.
   */
  Optional<String> problem(String root, String sub) {
    Path p;
    try {
      p = Path.of(root);
      if (sub != null && !sub.isEmpty()) {
        p = p.resolve(sub);
      }
    } catch (InvalidPathException e) {
      return Optional.of("'" + root + "' is not a valid path");
    }
    if (!p.isAbsolute()) {
      return Optional.of("'" + p + "' is not an absolute path");
    }
    Path r;
    try {
      r = realOrThrow(p);
    } catch (IOException e) {
      return Optional.of(
          "'" + p + "' cannot be resolved to a real folder (" + e.getMessage() + ")");
    }
    String shown = r.equals(p) ? "'" + p + "'" : "'" + p + "' (really '" + r + "')";
    for (Map.Entry<Path, String> e : forbidden.entrySet()) {
      Path f = e.getKey();
      if (r.startsWith(f)) {
        return Optional.of(
            shown
                + (r.equals(f) ? " is " : " is inside ")
                + e.getValue()
                + ", which Ferry never reads or writes, whatever "
                + VARIABLE
                + " allows");
      }
      if (f.startsWith(r)) {
        return Optional.of(
            shown
                + " contains "
                + e.getValue()
                + ", which Ferry never reads or writes: choose a folder that does not hold it");
      }
    }
    if (allowed.isEmpty()) {
      return Optional.of(
          "the server allows no local folder: the operator lists the folders jobs of the server's"
              + " own worker may use in "
              + VARIABLE
              + " (e.g. "
              + VARIABLE
              + "=/srv/data"
              + File.pathSeparator
              + "/mnt/share) and restarts ferry server. A folder of an agent's machine: set"
              + " settings.agentId to that agent and run the jobs on it");
    }
    if (allowed.stream().noneMatch(r::startsWith)) {
      return Optional.of(
          shown
              + " is not under a folder the server allows ("
              + describe()
              + "): the operator adds its root there and restarts ferry server. A folder of an"
              + " agent's machine: set settings.agentId to that agent and run the jobs on it");
    }
    return Optional.empty();
  }

  /** {@link #realOrThrow}, or the path as written when it cannot be resolved. */
  private static Path real(Path p) {
    try {
      return realOrThrow(p);
    } catch (IOException e) {
      return p.normalize();
    }
  }

  /**
   * The real path of {@code p}: its longest existing prefix resolved by the operating system
   * ({@code ..} after a link goes up from the link's target, as a process would see it), the rest
   * joined and normalized as written.
   *
   * @throws IOException when an existing part cannot be resolved (a link that leads nowhere, a
   *     loop, no permission)
   */
  static Path realOrThrow(Path p) throws IOException {
    int n = p.getNameCount();
    for (int i = n; i >= 0; i--) {
      Path prefix = i == 0 ? p.getRoot() : p.getRoot().resolve(p.subpath(0, i));
      if (Files.exists(prefix, LinkOption.NOFOLLOW_LINKS)) {
        Path real = prefix.toRealPath();
        return i == n ? real : real.resolve(p.subpath(i, n)).normalize();
      }
    }
    return p.normalize();
  }
}
