package dev.ferry.api.runtime;

import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Temporal service Ferry talks to. With {@code TEMPORAL_ADDRESS} set, that cluster. Without it,
 * Ferry runs one itself: the Temporal CLI's dev server (a real server with its Web UI, persisted to
 * a SQLite file under Ferry's data directory) when the {@code temporal} binary is found, else the
 * Java SDK's test server in this process, which keeps nothing across restarts.
 *
 * <p>A dev server is keyed by name (a job id for {@code ferry migrate}): its database, log and a
 * state file live under {@code <home>/temporal/}. A server left running by a process that was
 * killed is found through the state file and reused, so its workflows carry on.
 */
public final class LocalTemporal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalTemporal.class);

  /** How Temporal is provided. */
  public enum Mode {
    EXTERNAL,
    DEV_SERVER,
    IN_PROCESS
  }

  private final Mode mode;
  private final String address;
  private final String namespace;
  private final String uiAddress;
  private final Process process;
  private final Path stateFile;
  private final TestServer.PortBoundTestServer testServer;
  private final WorkflowServiceStubs stubs;

  private LocalTemporal(
      Mode mode,
      String address,
      String namespace,
      String uiAddress,
      Process process,
      Path stateFile,
      TestServer.PortBoundTestServer testServer) {
    this.mode = mode;
    this.address = address;
    this.namespace = namespace;
    this.uiAddress = uiAddress;
    this.process = process;
    this.stateFile = stateFile;
    this.testServer = testServer;
    this.stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
  }

  public static LocalTemporal start(FerryHome home, String name, Map<String, String> env) {
    String external = env.get("TEMPORAL_ADDRESS");
    String namespace = env.getOrDefault("TEMPORAL_NAMESPACE", "default");
    if (external != null && !external.isBlank()) {
      return new LocalTemporal(Mode.EXTERNAL, external, namespace, null, null, null, null);
    }
    Optional<Path> binary = findBinary(env);
    if (binary.isPresent()) {
      return startDevServer(home, name, binary.get());
    }
    int port = freePort();
    TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(port, true);
    return new LocalTemporal(
        Mode.IN_PROCESS, "127.0.0.1:" + port, "default", null, null, null, server);
  }

  /** The {@code temporal} CLI: {@code FERRY_TEMPORAL_BIN}, the PATH, or the project's tools. */
  static Optional<Path> findBinary(Map<String, String> env) {
    List<Path> candidates = new ArrayList<>();
    String explicit = env.get("FERRY_TEMPORAL_BIN");
    if (explicit != null && !explicit.isBlank()) {
      if (explicit.equals("none")) {
        return Optional.empty();
      }
      candidates.add(Path.of(explicit));
    }
    for (String dir : env.getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, "temporal"));
      }
    }
    String tools = System.getProperty("ferry.tools");
    if (tools != null) {
      candidates.add(Path.of(tools, "venv", "bin", "temporal"));
    }
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  private static LocalTemporal startDevServer(FerryHome home, String name, Path binary) {
    Path dir = home.sub("temporal");
    Path stateFile = dir.resolve(name + ".state");
    // A server whose Ferry process was killed is being stopped by its watchdog: let it finish
    // closing its SQLite file, then start a new server on the same file — the workflows go on.
    try {
      if (Files.exists(stateFile)) {
        long pid = Long.parseLong(Files.readString(stateFile).trim().split(" ")[0]);
        ProcessHandle.of(pid)
            .filter(ProcessHandle::isAlive)
            // never a process that merely reuses the number
            .filter(h -> h.info().commandLine().map(c -> c.contains("start-dev")).orElse(false))
            .ifPresent(
                old -> {
                  old.destroy();
                  try {
                    old.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                  } catch (Exception e) {
                    old.destroyForcibly();
                  }
                });
      }
    } catch (IOException | RuntimeException e) {
      log.debug("ignoring unreadable dev-server state {}", stateFile, e);
    }
    // Ports are picked free, but another process can take one before the server binds it; a
    // server that exits at once is started again on new ports (its log says why it stopped).
    int port = 0;
    int ui = 0;
    Path db = dir.resolve(name + ".db");
    Path logFile = dir.resolve(name + ".log");
    List<String> cmd = List.of();
    Process p = null;
    for (int attempt = 1; ; attempt++) {
      port = serverPort();
      ui = serverPort();
      while (ui == port) {
        ui = serverPort();
      }
      cmd =
          List.of(
              binary.toString(),
              "server",
              "start-dev",
              "--ip",
              "127.0.0.1",
              "--port",
              String.valueOf(port),
              "--ui-port",
              String.valueOf(ui),
              "--db-filename",
              db.toString(),
              "--namespace",
              "default",
              "--log-level",
              "warn",
              "--search-attribute",
              "FerryJobId=Keyword");
      try {
        p =
            new ProcessBuilder(withWatchdog(cmd))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + binary + ": " + e.getMessage(), e);
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!answers(port) && p.isAlive() && System.nanoTime() < deadline) {
        sleep(20);
      }
      if (answers(port)) {
        break;
      }
      boolean exited = !p.isAlive();
      p.destroy();
      if (!exited || attempt >= 3) {
        throw new IllegalStateException(
            "the Temporal dev server did not start"
                + (exited ? " (it stopped " + attempt + " times)" : " within 30 s")
                + "; see "
                + logFile
                + tail(logFile)
                + " (command: "
                + cmd
                + ")");
      }
      log.debug("the Temporal dev server stopped at once (attempt {}); trying new ports", attempt);
    }
    try {
      Files.writeString(stateFile, p.pid() + " " + port + " " + ui + "\n");
    } catch (IOException e) {
      log.warn("cannot write {}: {}", stateFile, e.getMessage());
    }
    return new LocalTemporal(
        Mode.DEV_SERVER,
        "127.0.0.1:" + port,
        "default",
        "http://127.0.0.1:" + ui,
        p,
        stateFile,
        null);
  }

  /**
   * Runs the dev server under a small shell watchdog that stops it (SIGTERM, so SQLite is closed
   * cleanly) when this process is gone — even after a SIGKILL — so no server outlives Ferry. Its
   * workflows are in the SQLite file: the next run starts a server on the same file and they go on.
   */
  static List<String> withWatchdog(List<String> cmd) {
    String script =
        "\"$0\" \"$@\" & child=$!; trap 'kill $child 2>/dev/null; wait $child; exit 0' TERM INT;"
            + " while kill -0 "
            + ProcessHandle.current().pid()
            + " 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done;"
            + " kill $child 2>/dev/null; wait $child";
    List<String> out = new ArrayList<>(List.of("sh", "-c", script));
    out.addAll(cmd);
    return out;
  }

  private static boolean answers(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A free port below the kernel's ephemeral range. The dev server finds ports for its internal
   * services by asking the kernel for free ones; a port Ferry had found the same way and released
   * for the server could be handed to one of those first, and the server would then fail to bind
   * it. Ports below the ephemeral range are never handed out like that.
   */
  static int serverPort() {
    int low = 32768;
    try {
      low =
          Integer.parseInt(
              Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                  .trim()
                  .split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      // not Linux: fall back to the kernel's choice
    }
    if (low > 11_000) {
      java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
      for (int i = 0; i < 50; i++) {
        int candidate = r.nextInt(10_000, low);
        try (ServerSocket s =
            new ServerSocket(candidate, 1, java.net.InetAddress.getLoopbackAddress())) {
          return s.getLocalPort();
        } catch (IOException taken) {
          // try another
        }
      }
    }
    return freePort();
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  public Mode mode() {
    return mode;
  }

  public String address() {
    return address;
  }

  public String namespace() {
    return namespace;
  }

  /** The Web UI's address, or null when there is none. */
  public String uiAddress() {
    return uiAddress;
  }

  public WorkflowServiceStubs stubs() {
    return stubs;
  }

  /** One line that says what Temporal this is, for the user. */
  public String describe() {
    return switch (mode) {
      case EXTERNAL -> "Temporal at " + address + " (namespace " + namespace + ")";
      case DEV_SERVER -> "Temporal dev server at " + address + ", Web UI " + uiAddress;
      case IN_PROCESS ->
          "Temporal test server in process at "
              + address
              + " — no 'temporal' binary found, so workflow state is not kept across restarts"
              + " (run scripts/setup to install the Temporal CLI)";
    };
  }

  @Override
  public void close() {
    long t0 = System.nanoTime();
    stubs.shutdown();
    stubs.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
    log.debug("Temporal client closed after {} ms", (System.nanoTime() - t0) / 1_000_000);
    if (testServer != null) {
      testServer.close();
    }
    if (mode == Mode.DEV_SERVER && stateFile != null) {
      Optional<ProcessHandle> h =
          process != null ? Optional.of(process.toHandle()) : readPid(stateFile);
      // The next run on the same SQLite file must find the server gone, so wait for it to exit.
      // It is killed rather than asked to stop: its graceful shutdown takes one to two seconds,
      // and it has nothing to save — every state change is committed to SQLite before it is
      // acknowledged (SQLite's commits survive the death of the process that made them), so a
      // killed server is a crashed one, which the next start recovers from like Temporal always
      // does. The watchdog shell is killed with it, so that it does not sit out its sleep.
      h.ifPresent(
          ph -> {
            List<ProcessHandle> all = new ArrayList<>(ph.descendants().toList());
            all.add(ph);
            all.forEach(ProcessHandle::destroyForcibly);
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!all.stream().allMatch(LocalTemporal::gone) && System.nanoTime() < deadline) {
              sleep(10);
            }
            all.stream()
                .filter(p -> !gone(p))
                .forEach(p -> log.warn("the Temporal dev server (pid {}) did not exit", p.pid()));
          });
      log.debug("dev server stopped after {} ms", (System.nanoTime() - t0) / 1_000_000);
      try {
        Files.deleteIfExists(stateFile);
      } catch (IOException ignored) {
        // stale state is detected by pid on the next start
      }
    }
  }

  /**
   * Whether a process has ended. A killed process whose parent has not reaped it yet (a zombie)
   * counts as ended: it holds no file or lock any more, though {@link ProcessHandle#isAlive} says
   * otherwise until it is reaped — which, for a grandchild in a container, can take a second.
   */
  static boolean gone(ProcessHandle p) {
    if (!p.isAlive()) {
      return true;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state == 'Z' || state == 'X';
    } catch (IOException | RuntimeException e) {
      return !p.isAlive();
    }
  }

  /** The last lines of a log, to quote in an error (empty when unreadable). */
  private static String tail(Path logFile) {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return lines.isEmpty()
          ? ""
          : ", which ends: "
              + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static Optional<ProcessHandle> readPid(Path stateFile) {
    try {
      return ProcessHandle.of(Long.parseLong(Files.readString(stateFile).trim().split(" ")[0]));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
