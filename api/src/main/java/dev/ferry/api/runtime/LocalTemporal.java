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
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Temporal service Ferry talks to. With {@code TEMPORAL_ADDRESS} set, that cluster. Without it,
 * Ferry runs one itself: the Temporal CLI's dev server (a real server with its Web UI, persisted to
 * a SQLite file under Ferry's data directory) when the {@code temporal} binary is found, else the
 * Java SDK's test server in this process, which keeps nothing across restarts.
 *
 * <p>A dev server is keyed by name (a job id for {@code ferry migrate}): its database, log and a
 * state file ({@code pid port ui-port} of the running server) live under {@code <home>/temporal/}.
 * One server at most serves a SQLite file and none outlives its Ferry (see {@link #withWatchdog});
 * a server left on the file by a Ferry that was killed is stopped, and a new one started on the
 * same file carries its workflows on. Whatever the mode, {@link #start} returns only once the
 * service's frontend answers its health check.
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
  private final TemporalTls tls;
  private final WorkflowServiceStubs stubs;

  private LocalTemporal(
      Mode mode,
      String address,
      String namespace,
      String uiAddress,
      Process process,
      Path stateFile,
      TestServer.PortBoundTestServer testServer) {
    this(mode, address, namespace, uiAddress, process, stateFile, testServer, TemporalTls.NONE);
  }

  private LocalTemporal(
      Mode mode,
      String address,
      String namespace,
      String uiAddress,
      Process process,
      Path stateFile,
      TestServer.PortBoundTestServer testServer,
      TemporalTls tls) {
    this.tls = tls;
    this.mode = mode;
    this.address = address;
    this.namespace = namespace;
    this.uiAddress = uiAddress;
    this.process = process;
    this.stateFile = stateFile;
    this.testServer = testServer;
    this.stubs =
        WorkflowServiceStubs.newServiceStubs(
            withMetrics(
                    tls.apply(
                        WorkflowServiceStubsOptions.newBuilder().setTarget(address), namespace))
                .build());
  }

  /** The SDK's worker and client metrics go to Ferry's registry when the process has one. */
  private static WorkflowServiceStubsOptions.Builder withMetrics(
      WorkflowServiceStubsOptions.Builder b) {
    com.uber.m3.tally.Scope scope = FerryMetrics.temporalScope();
    return scope == null ? b : b.setMetricsScope(scope);
  }

  /**
   * The Temporal service of {@code env}: {@code TEMPORAL_ADDRESS} with its TLS and API-key settings
   * ({@link TemporalTls}), or a local one.
   *
   * @throws IllegalStateException when it does not answer, or a TLS setting is wrong
   */
  public static LocalTemporal start(FerryHome home, String name, Map<String, String> env) {
    String external = env.get("TEMPORAL_ADDRESS");
    String namespace = env.getOrDefault("TEMPORAL_NAMESPACE", "default");
    TemporalTls tls = TemporalTls.fromEnv(env);
    if (external != null && !external.isBlank()) {
      LocalTemporal t =
          new LocalTemporal(Mode.EXTERNAL, external, namespace, null, null, null, null, tls);
      String why = t.awaitServing(System.nanoTime() + EXTERNAL_WAIT.toNanos(), () -> true);
      if (why != null) {
        t.stubs.shutdownNow();
        throw new IllegalStateException(
            "Temporal at "
                + external
                + (tls.any() ? " (" + tls.describe() + ")" : "")
                + " did not answer within "
                + EXTERNAL_WAIT.toSeconds()
                + " s ("
                + why
                + "); check TEMPORAL_ADDRESS"
                + (tls.any()
                    ? " and the TLS settings (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA,"
                        + " TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY)"
                    : " (a server that wants TLS needs TEMPORAL_TLS=true or TEMPORAL_TLS_CA)")
                + ", or unset it to let Ferry run a local server");
      }
      SearchAttributeSetup.ensure(t.stubs, namespace);
      return t;
    }
    if (tls.any()) {
      log.warn(
          "Temporal TLS settings ({}) are ignored without TEMPORAL_ADDRESS: the local Temporal"
              + " service listens on 127.0.0.1 only, in plain gRPC",
          tls.describe());
    }
    Optional<Path> binary = findBinary(env);
    if (binary.isPresent()) {
      return startDevServer(home, name, binary.get());
    }
    int port = freePort();
    TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(port, true);
    LocalTemporal t =
        new LocalTemporal(
            Mode.IN_PROCESS, "127.0.0.1:" + port, "default", null, null, null, server);
    String why = t.awaitServing(System.nanoTime() + START_WAIT.toNanos(), () -> true);
    if (why != null) {
      t.close();
      throw new IllegalStateException("the in-process Temporal test server did not start: " + why);
    }
    SearchAttributeSetup.ensure(t.stubs, "default");
    return t;
  }

  /** How long a dev server may take to start, and its frontend to become healthy. */
  static final Duration START_WAIT = Duration.ofSeconds(30);

  /** How long a command waits for a Temporal service given by address to answer. */
  static final Duration EXTERNAL_WAIT = Duration.ofSeconds(30);

  /**
   * Waits until the frontend answers the gRPC health check ({@code grpc.health.v1.Health/Check} for
   * the workflow service) with SERVING and a {@code GetSystemInfo} call succeeds: a dev server
   * accepts connections a moment before its frontend serves, and answers "Frontend is not healthy
   * yet" meanwhile — which a worker starting then (it calls {@code GetSystemInfo} first) does not
   * retry. Returns null when ready, else why not.
   */
  String awaitServing(long deadline, java.util.function.BooleanSupplier stillWorthWaiting) {
    String why = "no answer";
    long pause = 10;
    while (true) {
      try {
        var health = stubs.healthCheck();
        if (health.getStatus() == io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING) {
          stubs
              .blockingStub()
              .withDeadlineAfter(2, java.util.concurrent.TimeUnit.SECONDS)
              .getSystemInfo(
                  io.temporal.api.workflowservice.v1.GetSystemInfoRequest.getDefaultInstance());
          return null;
        }
        why = "health check: " + health.getStatus();
      } catch (RuntimeException e) {
        why = e.getMessage();
      }
      if (System.nanoTime() >= deadline || !stillWorthWaiting.getAsBoolean()) {
        return why;
      }
      sleep(pause);
      pause = Math.min(100, pause * 2);
    }
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
    try {
      dir = dir.toRealPath(); // one spelling of the database's path, to find its server by
    } catch (IOException e) {
      // keep the path as given
    }
    Path stateFile = dir.resolve(name + ".state");
    Path db = dir.resolve(name + ".db");
    Path lockFile = dir.resolve(name + ".db.lock");
    Path logFile = dir.resolve(name + ".log");
    // One server per SQLite file: a server left on it by a Ferry that was killed is stopped first
    // (its workflows are in the file; the new server carries them on).
    stopLeftovers(db);
    // Ports are picked free, but another process can take one before the server binds it; a
    // server that exits at once is started again on new ports (its log says why it stopped).
    List<String> cmd = List.of();
    for (int attempt = 1; ; attempt++) {
      // every port the server listens on is Ferry's choice, below the ephemeral range: left to
      // itself the server picks its HTTP API and metrics ports from the kernel, and those could
      // be taken by the time it binds them ("bind: address already in use", seen under load)
      java.util.Set<Integer> ports = new java.util.LinkedHashSet<>();
      while (ports.size() < 4) {
        ports.add(serverPort());
      }
      var chosen = ports.iterator();
      int port = chosen.next();
      int ui = chosen.next();
      int http = chosen.next();
      int metrics = chosen.next();
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
              "--http-port",
              String.valueOf(http),
              "--metrics-port",
              String.valueOf(metrics),
              "--db-filename",
              db.toString(),
              "--namespace",
              "default",
              "--log-level",
              "warn");
      cmd = new ArrayList<>(cmd);
      for (String attribute : dev.ferry.workflows.FerryAttributes.definitions().keySet()) {
        cmd.addAll(List.of("--search-attribute", attribute + "=Keyword"));
      }
      long logStart = size(logFile);
      Process p;
      try {
        p =
            new ProcessBuilder(withWatchdog(lockFile, cmd))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + binary + ": " + e.getMessage(), e);
      }
      long deadline = System.nanoTime() + START_WAIT.toNanos();
      boolean bindFailed = false;
      while (!answers(port) && p.isAlive() && System.nanoTime() < deadline) {
        sleep(20);
        bindFailed = logSays(logFile, logStart, "address already in use");
        if (bindFailed) {
          break; // a port was taken after all: it will not come up; start again on others
        }
      }
      String why = "it did not accept connections";
      if (answers(port)) {
        LocalTemporal t =
            new LocalTemporal(
                Mode.DEV_SERVER,
                "127.0.0.1:" + port,
                "default",
                "http://127.0.0.1:" + ui,
                p,
                stateFile,
                null);
        why = t.awaitServing(deadline, p::isAlive);
        if (why == null) {
          long pid =
              p.toHandle()
                  .descendants()
                  .filter(c -> arguments(c).contains("start-dev"))
                  .filter(c -> !arguments(c).contains(WATCHDOG))
                  .mapToLong(ProcessHandle::pid)
                  .findFirst()
                  .orElse(p.pid());
          try {
            Files.writeString(stateFile, pid + " " + port + " " + ui + "\n");
          } catch (IOException e) {
            log.warn("cannot write {}: {}", stateFile, e.getMessage());
          }
          return t;
        }
        t.stubs.shutdownNow();
      }
      boolean exited = !p.isAlive();
      int code = exited ? p.exitValue() : 0;
      stopTree(p.toHandle());
      if (exited && code == HELD) {
        throw new IllegalStateException(
            "another Temporal dev server holds "
                + db
                + " and did not let go within 15 s; stop it (see "
                + lockFile
                + ") and try again");
      }
      if ((!exited && !bindFailed) || attempt >= 3) {
        throw new IllegalStateException(
            "the Temporal dev server did not start"
                + (exited
                    ? " (it stopped " + attempt + " times)"
                    : bindFailed
                        ? " (a port it needed was taken, " + attempt + " times)"
                        : " within " + START_WAIT.toSeconds() + " s: " + why)
                + "; see "
                + logFile
                + tail(logFile)
                + " (command: "
                + cmd
                + ")");
      }
      log.debug("the Temporal dev server stopped at once (attempt {}); trying new ports", attempt);
    }
  }

  /** The watchdog's exit status when another process holds the database's lock. */
  static final int HELD = 75;

  /**
   * Stops every process still serving {@code db} — a dev server, or its watchdog — whose Ferry is
   * gone, and waits until they have exited. A server whose Ferry still runs is not touched: the
   * command refuses to start a second one on the same file.
   */
  static void stopLeftovers(Path db) {
    List<ProcessHandle> found = serversOn(db);
    if (found.isEmpty()) {
      return;
    }
    for (ProcessHandle h : found) {
      OptionalLong owner = watchdogOwner(h);
      if (owner.isPresent()
          && ProcessHandle.of(owner.getAsLong()).map(o -> !gone(o)).orElse(false)) {
        throw new IllegalStateException(
            "the Temporal dev server on "
                + db
                + " belongs to Ferry process "
                + owner.getAsLong()
                + ", which is still running; stop it first");
      }
    }
    log.debug("stopping {} process(es) left on {}", found.size(), db);
    found.forEach(ProcessHandle::destroyForcibly);
    awaitGone(found, Duration.ofSeconds(15));
  }

  /** Kills a watchdog and the server under it, and waits until they are gone. */
  private static void stopTree(ProcessHandle watchdog) {
    List<ProcessHandle> all = new ArrayList<>(watchdog.descendants().toList());
    all.add(watchdog);
    all.forEach(ProcessHandle::destroyForcibly);
    awaitGone(all, Duration.ofSeconds(15));
  }

  private static void awaitGone(List<ProcessHandle> all, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!all.stream().allMatch(LocalTemporal::gone) && System.nanoTime() < deadline) {
      sleep(10);
    }
    all.stream()
        .filter(p -> !gone(p))
        .forEach(p -> log.warn("the Temporal dev server (pid {}) did not exit", p.pid()));
  }

  /**
   * The live processes whose command line serves {@code db}: {@code --db-filename} followed by its
   * path — dev servers, and the watchdog shells that run them.
   */
  static List<ProcessHandle> serversOn(Path db) {
    String path = db.toString();
    long self = ProcessHandle.current().pid();
    return ProcessHandle.allProcesses()
        .filter(h -> h.pid() != self)
        .filter(
            h -> {
              List<String> args = arguments(h);
              int i = args.indexOf("--db-filename");
              return i >= 0 && i + 1 < args.size() && args.get(i + 1).equals(path);
            })
        .filter(h -> !gone(h))
        .toList();
  }

  /** A process's command line, argument by argument (empty when it cannot be read). */
  static List<String> arguments(ProcessHandle h) {
    Path cmdline = Path.of("/proc/" + h.pid() + "/cmdline");
    try {
      byte[] b = Files.readAllBytes(cmdline);
      List<String> out = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < b.length; i++) {
        if (b[i] == 0) {
          out.add(new String(b, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
          start = i + 1;
        }
      }
      return out;
    } catch (IOException | RuntimeException e) {
      // no /proc (not Linux), or the process is gone
    }
    return h.info()
        .command()
        .map(
            c -> {
              List<String> out = new ArrayList<>(List.of(c));
              out.addAll(List.of(h.info().arguments().orElse(new String[0])));
              return out;
            })
        .orElse(List.of());
  }

  /** The Ferry process a watchdog shell serves, when {@code h} is one. */
  private static OptionalLong watchdogOwner(ProcessHandle h) {
    List<String> args = arguments(h);
    int i = args.indexOf(WATCHDOG);
    try {
      return i >= 0 && i + 2 < args.size()
          ? OptionalLong.of(Long.parseLong(args.get(i + 2)))
          : OptionalLong.empty();
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** The watchdog shell's name ({@code $0}), by which it is told from the server. */
  static final String WATCHDOG = "ferry-temporal-watchdog";

  /**
   * Runs the dev server under a small shell watchdog, so that no server outlives Ferry and only one
   * serves a SQLite file:
   *
   * <ul>
   *   <li>the server holds an exclusive {@code flock} on {@code lockFile} for as long as it runs
   *       (the watchdog takes it, the server inherits the descriptor, the watchdog closes its own),
   *       so a second server on the same file cannot start; the watchdog waits up to 15 s for the
   *       lock, then exits with {@link #HELD};
   *   <li>the server gets SIGKILL the moment the watchdog dies, whatever killed it ({@code setpriv
   *       --pdeathsig KILL}: the kernel's parent-death signal; the watchdog is single-threaded, so
   *       the "parent thread" it refers to is the watchdog itself — which is why it is not set on a
   *       child of the JVM, whose spawning thread may end long before the JVM does);
   *   <li>the watchdog checks every second that this JVM is alive and kills the server when it is
   *       not;
   *   <li>the watchdog runs in a session of its own ({@code setsid}), so that a Ctrl-C at the
   *       terminal, which signals the whole foreground process group, reaches Ferry only: Ferry
   *       cancels its workflow on the server, then stops the server itself.
   * </ul>
   *
   * Without {@code flock}, {@code setpriv} or {@code setsid} (util-linux; not on macOS), their part
   * is left out; {@link #stopLeftovers} still finds and stops a server left on the file by its
   * command line. Every state change of the server is in the SQLite file before it is acknowledged:
   * the next run starts a server on the same file and the workflows go on.
   */
  static List<String> withWatchdog(Path lockFile, List<String> cmd) {
    String script =
        "lock=$1 ferry=$2; shift 2;"
            + " if command -v flock >/dev/null 2>&1; then"
            + "   exec 9>>\"$lock\" || exit 70;"
            + "   flock -w 15 9 || { echo \"ferry: another process holds $lock\" >&2; exit "
            + HELD
            + "; };"
            + " fi;"
            + " if setpriv --pdeathsig KILL true 2>/dev/null; then"
            + "   setpriv --pdeathsig KILL -- \"$@\" </dev/null & child=$!;"
            + " else \"$@\" </dev/null & child=$!; fi;"
            + " exec 9>&-;"
            + " trap 'kill -KILL $child 2>/dev/null; exit 0' TERM INT;"
            + " while kill -0 \"$ferry\" 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done;"
            + " kill -KILL $child 2>/dev/null; wait $child";
    List<String> out = new ArrayList<>();
    setsid().ifPresent(b -> out.addAll(List.of(b.toString(), "-w")));
    out.addAll(
        List.of(
            "sh",
            "-c",
            script,
            WATCHDOG,
            lockFile.toString(),
            String.valueOf(ProcessHandle.current().pid())));
    out.addAll(cmd);
    return out;
  }

  /** util-linux's {@code setsid}, when this system has it. */
  private static Optional<Path> setsid() {
    return Stream.of("/usr/bin/setsid", "/bin/setsid")
        .map(Path::of)
        .filter(Files::isExecutable)
        .findFirst();
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

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** Whether what {@code file} got past {@code from} says {@code what}. */
  private static boolean logSays(Path file, long from, String what) {
    try (var ch = java.nio.channels.FileChannel.open(file)) {
      long n = ch.size() - from;
      if (n <= 0) {
        return false;
      }
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) Math.min(n, 1 << 20));
      ch.read(b, from);
      return new String(b.array(), 0, b.position(), java.nio.charset.StandardCharsets.UTF_8)
          .contains(what);
    } catch (IOException e) {
      return false;
    }
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

  /** The TLS and API-key settings the stubs use (none for a local service). */
  public TemporalTls tls() {
    return tls;
  }

  public WorkflowServiceStubs stubs() {
    return stubs;
  }

  /** One line that says what Temporal this is, for the user. */
  public String describe() {
    return switch (mode) {
      case EXTERNAL ->
          "Temporal at "
              + address
              + " (namespace "
              + namespace
              + (tls.any() ? ", " + tls.describe() : "")
              + ")";
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
      h.ifPresent(LocalTemporal::stopTree);
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
