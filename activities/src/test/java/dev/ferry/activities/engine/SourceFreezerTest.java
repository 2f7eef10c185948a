package dev.ferry.activities.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ferry's own freeze of a local source: read-only, then exactly as it was. */
class SourceFreezerTest {
  @TempDir Path root;

  private static void mode(Path p, int mode) throws Exception {
    Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
  }

  private Map<String, Integer> modes() throws Exception {
    Map<String, Integer> out = new TreeMap<>();
    try (var walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        if (!Files.isSymbolicLink(p)) {
          out.put(root.relativize(p).toString(), SourceFreezer.mode(p));
        }
      }
    }
    return out;
  }

  @Test
  void everyWriteBitGoesAndComesBackExactlyWithSetIdBitsAndReadOnlyFilesKept() throws Exception {
    Path shared = Files.createDirectories(root.resolve("shared"));
    Path deep = Files.createDirectories(shared.resolve("deep"));
    Files.writeString(shared.resolve("a.txt"), "a");
    Files.writeString(deep.resolve("b.txt"), "b");
    Files.writeString(root.resolve("ro.txt"), "r");
    Files.writeString(root.resolve("target.txt"), "t");
    Files.createSymbolicLink(root.resolve("link"), Path.of("target.txt"));
    mode(root, 0755);
    mode(shared, 02775); // a group folder with setgid
    mode(deep, 0750);
    mode(shared.resolve("a.txt"), 0664);
    mode(deep.resolve("b.txt"), 0640);
    mode(root.resolve("ro.txt"), 0444); // already read-only: not Ferry's to change
    mode(root.resolve("target.txt"), 0600);
    Map<String, Integer> before = modes();

    List<SourceFreezer.Entry> saved = new ArrayList<>();
    int[] beats = {0};
    SourceFreezer.Frozen f = SourceFreezer.freeze(root, saved::addAll, () -> beats[0]++);

    assertThat(f.files()).isEqualTo(3); // a.txt, b.txt, target.txt
    assertThat(f.folders()).isEqualTo(3); // the root, shared, deep
    assertThat(modes().values()).allSatisfy(m -> assertThat(m & 0222).isZero());
    assertThat(modes()).containsEntry("shared", 02555).containsEntry("shared/deep/b.txt", 0440);
    assertThat(saved).extracting(SourceFreezer.Entry::path).doesNotContain("ro.txt", "link");
    assertThat(beats[0]).isPositive();

    Files.delete(root.resolve("target.txt")); // gone since the freeze: passed over
    mode(root, 0755);
    assertThat(SourceFreezer.restore(root, saved, () -> {})).isEqualTo(5);
    before.remove("target.txt");
    assertThat(modes()).isEqualTo(before);
  }
}
