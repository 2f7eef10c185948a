package dev.ferry.api.cli;

import dev.ferry.api.runtime.FerryHome;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry demo}: writes a small sample tree under Ferry's data directory and migrates it to a
 * local destination there, with the embedded defaults — the first thing to run on a new machine.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Generate a sample tree and migrate it with the embedded defaults.")
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--files", defaultValue = "200", description = "Files in the sample tree.")
  int files;

  @Override
  public Integer call() throws IOException {
    Path base = FerryHome.fromEnv(Ferry.env()).sub("demo");
    Path source = base.resolve("source");
    Path dest = base.resolve("destination");
    writeSample(source, files);
    Ferry.out().println("Sample tree: " + source);
    return Ferry.execute(
        Ferry.env(),
        Ferry.out(),
        Ferry.err(),
        "migrate",
        source.toString(),
        dest.toString(),
        "--report",
        base.resolve("report.csv").toString());
  }

  /**
   * A deterministic tree: nested folders, spaces, non-ASCII names, an empty file and folder, one
   * multi-part file.
   */
  static void writeSample(Path root, int files) throws IOException {
    long mtime = 1_700_000_000_000L;
    String[] dirs = {"", "docs", "docs/2024 reports", "photos/été", "photos/日本", "deep/a/b/c"};
    for (int i = 0; i < files; i++) {
      Path f =
          root.resolve(dirs[i % dirs.length])
              .resolve("file " + i + (i % 7 == 0 ? " ü.txt" : ".dat"));
      Random rnd = new Random(42L + i);
      write(f, i == 0 ? 0 : 1024 + rnd.nextInt(64 * 1024), rnd, mtime);
    }
    write(root.resolve("large/video.bin"), 12 << 20, new Random(41), mtime);
    Files.createDirectories(root.resolve("empty folder"));
  }

  private static void write(Path f, int size, Random rnd, long mtime) throws IOException {
    if (Files.exists(f) && Files.size(f) == size) {
      return;
    }
    Files.createDirectories(f.getParent());
    byte[] buf = new byte[Math.min(size, 1 << 20)];
    try (OutputStream out = Files.newOutputStream(f)) {
      int left = size;
      while (left > 0) {
        rnd.nextBytes(buf);
        int n = Math.min(left, buf.length);
        out.write(buf, 0, n);
        left -= n;
      }
    }
    Files.setLastModifiedTime(f, FileTime.fromMillis(mtime));
  }
}
