package dev.ferry.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Runs the real {@code ferry} command line in this JVM against the real PostgreSQL (a private
 * database) and the real Temporal dev server (the CLI that scripts/setup installs).
 */
final class FerryHarness implements AutoCloseable {
  final TestDatabase db = new TestDatabase();
  final Path home;
  final Map<String, String> env = new HashMap<>(System.getenv());

  /** What one command printed and returned. */
  record Result(int code, String out, String err) {
    String all() {
      return out + err;
    }
  }

  FerryHarness(Path home) {
    this.home = home;
    env.put("FERRY_HOME", home.toString());
    env.put("FERRY_DB_URL", db.config().url());
    env.put("FERRY_DB_USER", db.config().user());
    env.put("FERRY_DB_PASSWORD", db.config().password());
    env.remove("TEMPORAL_ADDRESS");
    env.put("FERRY_TEMPORAL_BIN", temporalBinary().toString());
  }

  /** The Temporal CLI installed by scripts/setup: end-to-end tests run on the real server. */
  static Path temporalBinary() {
    Path root = Path.of(System.getProperty("user.dir")).getParent();
    Path bin = root.resolve(".tools/venv/bin/temporal");
    assertThat(bin)
        .as("the Temporal CLI (run scripts/setup, which installs it into .tools/venv)")
        .isExecutable();
    return bin;
  }

  Result ferry(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Ferry.execute(env, o, e, args);
    }
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /**
   * Starts the real command in its own JVM (so a test can kill it with SIGKILL), with this
   * harness's environment, its output and errors going to {@code log}.
   */
  Process start(Path log, String... args) throws IOException {
    return start(log, Map.of(), args);
  }

  /** Starts the command in a process of its own, with {@code extraEnv} over the harness's env. */
  Process start(Path log, Map<String, String> extraEnv, String... args) throws IOException {
    return start(log, false, extraEnv, args);
  }

  /**
   * Starts the command in a process of its own; with {@code ownGroup}, as the leader of a process
   * group (and session) of its own, through {@code setsid}, which execs in place: the process's pid
   * is the group's id, and a test can kill the whole group.
   */
  Process start(Path log, boolean ownGroup, Map<String, String> extraEnv, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>(ownGroup ? List.of("setsid") : List.of());
    cmd.addAll(
        List.of(
            ProcessHandle.current().info().command().orElse("java"),
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-cp",
            System.getProperty("java.class.path"),
            Ferry.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.environment().putAll(extraEnv);
    pb.redirectOutput(log.toFile());
    return pb.start();
  }

  @Override
  public void close() throws Exception {
    db.close();
  }

  // ---- trees ------------------------------------------------------------------------------

  static final long MTIME = 1_600_000_000_000L;

  static void write(Path f, byte[] data, long mtime) throws IOException {
    Files.createDirectories(f.getParent());
    Files.write(f, data);
    Files.setLastModifiedTime(f, FileTime.fromMillis(mtime));
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /**
   * Nested folders, names with spaces and non-ASCII characters, an empty file and folder, and a
   * file of several 5 MiB parts.
   */
  static void awkwardTree(Path root) throws IOException {
    write(root.resolve("top.txt"), "hello ferry".getBytes(StandardCharsets.UTF_8), MTIME);
    write(root.resolve("empty.dat"), new byte[0], MTIME);
    write(root.resolve("a/b/c/deep.bin"), random(70_000, 1), MTIME);
    write(root.resolve("with space/file name.txt"), random(1000, 2), MTIME);
    write(root.resolve("ünïcødé/日本語 ファイル.txt"), random(333, 3), MTIME);
    write(root.resolve("big/large.bin"), random((11 << 20) + 12345, 4), MTIME);
    for (int i = 0; i < 30; i++) {
      write(root.resolve("many/f" + i + ".txt"), random(100 + i, 10 + i), MTIME + i * 1000L);
    }
    Files.createDirectories(root.resolve("empty folder/inner"));
  }

  /** Every file under root: relative path → content. */
  static Map<String, byte[]> files(Path root) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    if (!Files.exists(root)) {
      return out;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p)) {
          out.put(root.relativize(p).toString(), Files.readAllBytes(p));
        }
      }
    }
    return out;
  }

  static void assertSameTree(Path expected, Path actual) throws IOException {
    Map<String, byte[]> want = files(expected);
    Map<String, byte[]> got = files(actual);
    assertThat(got.keySet()).containsExactlyElementsOf(want.keySet());
    for (var e : want.entrySet()) {
      assertThat(got.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
    }
  }
}
