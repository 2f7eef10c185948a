package dev.ferry.api.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Ferry's data directory: {@code FERRY_HOME}, else {@code ~/.ferry}. */
public record FerryHome(Path dir) {
  public static FerryHome fromEnv(Map<String, String> env) {
    String home = env.get("FERRY_HOME");
    Path dir =
        home != null && !home.isBlank()
            ? Path.of(home)
            : Path.of(System.getProperty("user.home"), ".ferry");
    return new FerryHome(dir.toAbsolutePath());
  }

  /** A subdirectory, created when missing. */
  public Path sub(String name) {
    Path p = dir.resolve(name);
    try {
      Files.createDirectories(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + p + ": " + e.getMessage(), e);
    }
    return p;
  }
}
