package dev.ferry.activities.testing;

import dev.ferry.activities.storage.azure.AzureSettings;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Azurite's blob service, the Azure Storage emulator, started once per JVM as its own process on a
 * free port of 127.0.0.1 with a temporary folder for its data, and stopped (folder removed) when
 * the JVM exits.
 *
 * <p>The binary is {@code <repo>/.tools/azurite/node_modules/.bin/azurite-blob}; when it is
 * missing, {@code scripts/azurite} installs it with npm first (pinned by {@code tools/azurite/}).
 * Without npm, {@link #get()} fails with a message that says what to install.
 */
public final class AzuriteServer {
  /** Azurite's well-known development account and key (public, documented by Microsoft). */
  public static final String ACCOUNT = "devstoreaccount1";

  public static final String KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  private static AzuriteServer instance;

  private final Process process;
  private final int port;
  private final Path dataDir;

  private AzuriteServer(Process process, int port, Path dataDir) {
    this.process = process;
    this.port = port;
    this.dataDir = dataDir;
  }

  /** The shared server, started on first use. */
  public static synchronized AzuriteServer get() {
    if (instance == null) {
      instance = start();
    }
    return instance;
  }

  /** The blob endpoint, for example {@code http://127.0.0.1:41234/devstoreaccount1}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port + "/" + ACCOUNT;
  }

  /** The environment a user would set to reach this server with the account key. */
  public Map<String, String> env() {
    return Map.of(
        AzureSettings.ACCOUNT, ACCOUNT, AzureSettings.KEY, KEY, AzureSettings.ENDPOINT, endpoint());
  }

  /** Settings for {@code container} and {@code prefix} with the development account's key. */
  public AzureSettings settings(String container, String prefix) {
    return new AzureSettings(
        container, prefix, new AzureSettings.SharedKey(ACCOUNT, KEY), endpoint(), null);
  }

  private static AzuriteServer start() {
    Path repo = repoRoot();
    Path bin = repo.resolve(".tools/azurite/node_modules/.bin/azurite-blob");
    if (!Files.isExecutable(bin)) {
      install(repo);
    }
    try {
      Path dataDir = Files.createTempDirectory("ferry-azurite-");
      int port = freePort();
      Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
      Process p =
          new ProcessBuilder(
                  bin.toString(),
                  "--blobHost",
                  "127.0.0.1",
                  "--blobPort",
                  Integer.toString(port),
                  "--location",
                  dataDir.toString(),
                  "--skipApiVersionCheck",
                  "--disableTelemetry",
                  "--silent")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      AzuriteServer server = new AzuriteServer(p, port, dataDir);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(log)));
      server.awaitPort(log);
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("could not start Azurite (" + bin + "): " + e, e);
    }
  }

  private void awaitPort(Path log) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Azurite exited with code " + process.exitValue() + ": " + Files.readString(log));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        sleep(100);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException(
        "Azurite did not listen on port " + port + " within 60 s: " + Files.readString(log));
  }

  private void stop(Path log) {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteTree(dataDir);
    deleteTree(log);
  }

  private static void install(Path repo) {
    Path script = repo.resolve("scripts/azurite");
    List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (p.waitFor() != 0) {
        throw new IllegalStateException(
            "Azurite is not installed and "
                + script
                + " failed (it needs Node.js and npm: apt-get install -y nodejs npm):\n"
                + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + script + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while installing Azurite", e);
    }
  }

  /** The repository root: the nearest folder up from the working directory with scripts/azurite. */
  private static Path repoRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("scripts/azurite"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "cannot find scripts/azurite above " + Path.of("").toAbsolutePath());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Azurite", e);
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException ignored) {
      // best effort at JVM exit
    }
  }
}
