package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.MTIME;
import static dev.ferry.api.cli.FerryHarness.assertSameTree;
import static dev.ferry.api.cli.FerryHarness.random;
import static dev.ferry.api.cli.FerryHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.catalog.RunRow;
import dev.ferry.activities.storage.Locations;
import dev.ferry.api.runtime.FerryHome;
import dev.ferry.api.runtime.LocalTemporal;
import dev.ferry.workflows.JobState;
import io.grpc.health.v1.HealthCheckResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The local Temporal dev server's lifetime, on the real server: one server at most per SQLite file,
 * none outliving the Ferry that started it however that Ferry was killed, and a frontend that
 * answers before any command uses it. Servers are counted by their command line, independently of
 * how Ferry finds them.
 */
class DevServerLifetimeTest {
  @TempDir static Path home;
  static FerryHarness ferry;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    ferry = new FerryHarness(home);
  }

  @AfterAll
  static void down() throws Exception {
    ferry.close();
  }

  /** How a supervisor, a user or the kernel may end a {@code ferry migrate}. */
  enum Kill {
    /** SIGKILL to the JVM alone (the OOM killer, {@code kill -9 <pid>}). */
    JVM_ONLY,
    /** SIGKILL to the JVM and its direct children at once, as a supervisor that kills a tree. */
    JVM_AND_ITS_CHILDREN,
    /** SIGKILL to the whole process group ({@code kill -9 -<pgid>}). */
    PROCESS_GROUP
  }

  @ParameterizedTest
  @EnumSource(Kill.class)
  void noServerOutlivesAKilledFerryAndTheNextRunResumesOnOneServer(Kill kill) throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    // four 1 MiB files at 4 Mbps (0.5 MB/s): about eight seconds, so that a kill after the first
    // file lands well before the end (at 8 Mbps the run once completed before its kill took
    // effect);
    // one at a time, so that the files land two seconds apart (four in parallel landed together,
    // and the wait below for "some but not half of the bytes transferred" could miss its moment)
    for (int i = 0; i < 4; i++) {
      write(src.resolve("f" + i + ".bin"), random(1 << 20, 40 + i), MTIME);
    }
    String[] args = {
      "migrate", src.toString(), dst.toString(), "--bwlimit", "4", "--concurrency", "1"
    };
    Path db = database(src, dst);

    Process first = ferry.start(dir.resolve("first.log"), true, Map.of(), args);
    try {
      MigrateControlTest.waitFor(
          "the transfer to start",
          () -> {
            assertThat(first.isAlive()).as(log("first.log")).isTrue();
            RunRow r = latestRun(src);
            return r != null
                && r.state() == JobState.RUNNING
                && r.bytesDone() > 0
                && r.bytesDone() <= (2L << 20);
          });
      assertThat(servers(db)).as("servers while the first run copies").hasSize(1);
      ProcessHandle jvm = first.toHandle();
      switch (kill) {
        case JVM_ONLY -> jvm.destroyForcibly();
        case JVM_AND_ITS_CHILDREN -> {
          List<ProcessHandle> children = jvm.children().toList();
          assertThat(children).as("the JVM's children (the server's watchdog)").isNotEmpty();
          jvm.destroyForcibly();
          children.forEach(ProcessHandle::destroyForcibly);
        }
        case PROCESS_GROUP -> {
          assertThat(processGroup(jvm.pid()))
              .as("the JVM leads its own group")
              .isEqualTo(jvm.pid());
          Process k = new ProcessBuilder("kill", "-KILL", "--", "-" + jvm.pid()).start();
          assertThat(k.waitFor(10, TimeUnit.SECONDS)).isTrue();
          assertThat(k.exitValue()).isZero();
        }
      }
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      first.destroyForcibly();
    }
    // The server goes with its Ferry, whatever else was killed: at once when its watchdog was
    // killed too, within about a second (the watchdog's check) when only the JVM was.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!servers(db).isEmpty()) {
      assertThat(servers(db)).as("servers after the kill").hasSizeLessThanOrEqualTo(1);
      assertThat(System.nanoTime())
          .as("the server on " + db + " still runs after its Ferry was killed (" + kill + ")")
          .isLessThan(deadline);
      Thread.sleep(50);
    }
    assertThat(latestRun(src).state()).isEqualTo(JobState.RUNNING);

    // The next run of the same two locations resumes the run, on one server at most.
    Process second = ferry.start(dir.resolve("second.log"), args);
    int most = 0;
    try {
      while (second.isAlive()) {
        most = Math.max(most, servers(db).size());
        Thread.sleep(50);
      }
    } finally {
      second.destroyForcibly();
    }
    assertThat(second.exitValue()).as(log("second.log")).isZero();
    assertThat(most).as("most servers on " + db + " during the second run").isEqualTo(1);
    assertThat(log("second.log")).contains("Resuming run");
    assertSameTree(src, dst);
    assertThat(servers(db)).as("servers after the second run ended").isEmpty();
  }

  @Test
  void ctrlCAtTheTerminalCancelsTheRunOnItsServerBeforeTheServerStops() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int i = 0; i < 8; i++) {
      write(src.resolve("f" + i + ".bin"), random(1 << 20, 60 + i), MTIME);
    }
    Path db = database(src, dst);
    Process p =
        ferry.start(
            dir.resolve("out.log"),
            true,
            Map.of(),
            "migrate",
            src.toString(),
            dst.toString(),
            "--bwlimit",
            "8");
    try {
      MigrateControlTest.waitFor(
          "files to be copied",
          () -> {
            assertThat(p.isAlive()).as(log("out.log")).isTrue();
            RunRow r = latestRun(src);
            return r != null && r.filesDone() >= 1;
          });
      // A terminal's Ctrl-C signals the whole foreground process group, not Ferry alone.
      Process k = new ProcessBuilder("kill", "-INT", "--", "-" + p.pid()).start();
      assertThat(k.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(log("out.log")).isTrue();
      assertThat(p.exitValue()).as(log("out.log")).isEqualTo(Ferry.EXIT_CANCELLED);
      assertThat(log("out.log"))
          .contains("Cancelling")
          .contains("Cancelled in")
          .doesNotContain("could not cancel");
      assertThat(latestRun(src).state()).isEqualTo(JobState.CANCELLED);
      assertThat(servers(db)).isEmpty();
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void aServerLeftOnTheDatabaseIsStoppedBeforeAnotherStarts() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int i = 0; i < 3; i++) {
      write(src.resolve("f" + i + ".txt"), random(1000 + i, i), MTIME);
    }
    Path db = database(src, dst);
    Files.createDirectories(db.getParent());
    // A server on the migration's SQLite file with no Ferry and no watchdog: what an older Ferry
    // killed with its watchdog left behind, reparented to init.
    int port = lowPort();
    Process orphan =
        new ProcessBuilder(
                "setsid",
                FerryHarness.temporalBinary().toString(),
                "server",
                "start-dev",
                "--ip",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--headless",
                "--db-filename",
                db.toString(),
                "--log-level",
                "warn")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("orphan.log").toFile())
            .start();
    try {
      MigrateControlTest.waitFor(
          "the left-over server",
          () -> {
            assertThat(orphan.isAlive()).as(log("orphan.log")).isTrue();
            return servers(db).size() == 1 && answers(port);
          });
      AtomicInteger most = new AtomicInteger();
      AtomicBoolean running = new AtomicBoolean(true);
      // on a thread of its own: the command starts Temporal on the common pool
      Thread sampler =
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (running.get()) {
                      most.accumulateAndGet(servers(db).size(), Math::max);
                      sleepMillis(50);
                    }
                  });
      FerryHarness.Result r = ferry.ferry("migrate", src.toString(), dst.toString());
      running.set(false);
      sampler.join(10_000);
      assertThat(r.code()).as(r.all()).isZero();
      assertThat(orphan.waitFor(10, TimeUnit.SECONDS))
          .as("the left-over server was stopped")
          .isTrue();
      assertThat(most.get()).as("most servers on " + db + " at once").isEqualTo(1);
      assertSameTree(src, dst);
      assertThat(servers(db)).isEmpty();
    } finally {
      orphan.destroyForcibly();
    }
  }

  @Test
  void aServerWhoseFerryStillRunsIsNeitherStoppedNorJoinedBySecondOne() throws Exception {
    FerryHome shared = new FerryHome(dir.resolve("home"));
    try (LocalTemporal first = LocalTemporal.start(shared, "shared", ferry.env)) {
      assertThatThrownBy(() -> LocalTemporal.start(shared, "shared", ferry.env))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("belongs to Ferry process " + ProcessHandle.current().pid())
          .hasMessageContaining("still running");
      assertThat(servers(dir.resolve("home/temporal/shared.db").toRealPath())).hasSize(1);
      // the first is untouched
      first
          .stubs()
          .blockingStub()
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
    }
  }

  @Test
  void aStartedDevServerAnswersAtOnce() throws Exception {
    // Three starts in a row, as a suite's quick successive commands do: each is usable the moment
    // start returns, by a client that does not retry (a worker's first call is GetSystemInfo).
    for (int i = 0; i < 3; i++) {
      try (LocalTemporal t =
          LocalTemporal.start(new FerryHome(dir.resolve("h" + i)), "quick", ferry.env)) {
        assertThat(t.mode()).isEqualTo(LocalTemporal.Mode.DEV_SERVER);
        assertUsableAtOnce(t.address());
      }
    }
  }

  @Test
  void aCommandGivenAServiceThatIsStillStartingWaitsUntilItsFrontendServes() throws Exception {
    int port = lowPort();
    Map<String, String> env = new HashMap<>(ferry.env);
    env.put("TEMPORAL_ADDRESS", "127.0.0.1:" + port);
    // the service is started just after the command, as `ferry worker` next to a starting cluster
    CompletableFuture<LocalTemporal> starting =
        CompletableFuture.supplyAsync(
            () -> LocalTemporal.start(new FerryHome(dir.resolve("worker")), "worker", env));
    Process server =
        new ProcessBuilder(
                FerryHarness.temporalBinary().toString(),
                "server",
                "start-dev",
                "--ip",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--headless",
                "--db-filename",
                dir.resolve("cluster.db").toString(),
                "--log-level",
                "warn")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("cluster.log").toFile())
            .start();
    try (LocalTemporal t = starting.get(60, TimeUnit.SECONDS)) {
      assertThat(t.mode()).isEqualTo(LocalTemporal.Mode.EXTERNAL);
      assertUsableAtOnce(t.address());
    } finally {
      server.destroyForcibly();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** One health check and one GetSystemInfo, each tried once, with a fresh connection. */
  static void assertUsableAtOnce(String address) {
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    try {
      assertThat(stubs.healthCheck().getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      assertThat(
              stubs
                  .blockingStub()
                  .withDeadlineAfter(5, TimeUnit.SECONDS)
                  .getSystemInfo(GetSystemInfoRequest.getDefaultInstance())
                  .hasCapabilities())
          .isTrue();
    } finally {
      stubs.shutdownNow();
    }
  }

  /** The SQLite file of the dev server that {@code ferry migrate src dst} runs. */
  static Path database(Path src, Path dst) throws IOException {
    String key =
        MigrationRunner.runtimeKey(
            Locations.canonical(src.toString()), Locations.canonical(dst.toString()));
    return home.toRealPath().resolve("temporal").resolve(key + ".db");
  }

  /** The live Temporal servers (not their watchdogs) whose command line serves {@code db}. */
  static List<Long> servers(Path db) {
    List<Long> out = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs::iterator) {
        String name = p.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String stat = Files.readString(p.resolve("stat"));
          char state = stat.charAt(stat.lastIndexOf(')') + 2);
          if (state == 'Z' || state == 'X') {
            continue; // dead, not yet reaped: holds no file any more
          }
          List<String> args =
              List.of(
                  new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                      .split("\0"));
          int i = args.indexOf("--db-filename");
          if (args.contains("start-dev")
              && !args.get(0).equals("sh")
              && i >= 0
              && i + 1 < args.size()
              && args.get(i + 1).equals(db.toString())) {
            out.add(Long.parseLong(name));
          }
        } catch (IOException | RuntimeException gone) {
          // ended meanwhile
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  /**
   * A free port below the kernel's ephemeral range, where the dev server's own search for its
   * internal ports cannot land (as Ferry picks them).
   */
  static int lowPort() throws IOException {
    int low =
        Integer.parseInt(
            Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                .trim()
                .split("\\s+")[0]);
    var random = java.util.concurrent.ThreadLocalRandom.current();
    for (int i = 0; i < 50; i++) {
      try (ServerSocket s =
          new ServerSocket(
              random.nextInt(10_000, Math.max(10_001, low)),
              1,
              java.net.InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free port below " + low);
  }

  static long processGroup(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
  }

  static boolean answers(int port) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static void sleepMillis(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  String log(String name) {
    try {
      return Files.readString(dir.resolve(name));
    } catch (IOException e) {
      return "(no " + name + ")";
    }
  }

  RunRow latestRun(Path source) {
    String canonical = Locations.canonical(source.toString());
    return ferry
        .db
        .catalog()
        .jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select r.id from runs r join jobs j on j.id = r.job_id where j.source_uri = ? order by r.id desc limit 1")
                    .bind(0, canonical)
                    .mapTo(Long.class)
                    .findOne())
        .map(id -> ferry.db.catalog().run(id))
        .orElse(null);
  }
}
