package dev.ferry.activities.engine;

import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.NameRules;
import dev.ferry.activities.storage.Storage;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Decides, for each source path of a scan, the name it gets at the destination: the same one, a
 * remapped one (job option {@code names=remap}), or none (the path is refused, with the reason and,
 * when remapping would help, the name it would get). Not thread-safe: one per scan.
 */
final class Names {
  private final NameRules rules;
  private final int maxPathBytes;
  private final boolean remap;
  private long remapped;

  Names(Storage dest, boolean remap) {
    this.rules = dest.nameRules();
    Capabilities caps = dest.capabilities();
    this.maxPathBytes = caps.maxPathBytes();
    this.remap = remap;
  }

  /**
   * What to do with one path.
   *
   * @param destPath the name at the destination when it differs from the source path, else null
   * @param refusal why the path is refused, or null
   */
  record Decision(String destPath, String refusal) {}

  private static final Decision SAME = new Decision(null, null);

  Decision decide(String path) {
    if (rules == NameRules.NONE && maxPathBytes == 0) {
      return SAME; // local folders, SFTP: nothing to check
    }
    Optional<String> problem = rules.problem(path).or(() -> tooLong(path));
    if (problem.isEmpty()) {
      return SAME;
    }
    Optional<String> renamed = rules.remap(path).filter(r -> tooLong(r).isEmpty());
    if (renamed.isEmpty()) {
      return new Decision(null, problem.get() + "; renaming cannot fix it");
    }
    if (!remap) {
      return new Decision(
          null,
          problem.get()
              + " (with the option names=remap it would be copied as '"
              + renamed.get()
              + "')");
    }
    remapped++;
    return new Decision(renamed.get(), null);
  }

  /** How many paths were remapped so far. */
  long remapped() {
    return remapped;
  }

  private Optional<String> tooLong(String path) {
    int bytes = path.getBytes(StandardCharsets.UTF_8).length;
    if (maxPathBytes > 0 && bytes > maxPathBytes) {
      return Optional.of(
          "the path is longer than the destination's limit of "
              + maxPathBytes
              + " bytes (it is "
              + bytes
              + ")");
    }
    return Optional.empty();
  }
}
