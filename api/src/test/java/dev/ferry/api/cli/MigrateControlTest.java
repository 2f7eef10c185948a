package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.MTIME;
import static dev.ferry.api.cli.FerryHarness.assertSameTree;
import static dev.ferry.api.cli.FerryHarness.random;
import static dev.ferry.api.cli.FerryHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.catalog.RunRow;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.MigrationWorkflow;
import dev.ferry.workflows.Progress;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pause, resume, Ctrl-C and concurrent runs of the real command, on the real services. */
class MigrateControlTest {
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

  /** Ten 4 MiB files: about ten seconds at 32 Mbps. */
  static void slowTree(Path root) throws Exception {
    for (int i = 0; i < 10; i++) {
      write(root.resolve("part" + i + ".bin"), random(4 << 20, i), MTIME);
    }
  }

  static void waitFor(String what, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!cond.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  RunRow latestRun(String source) {
    String canonical = dev.ferry.activities.storage.Locations.canonical(source);
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

  @Test
  void pauseHoldsTheRunAndResumeFinishesIt() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    slowTree(src);
    CompletableFuture<FerryHarness.Result> run =
        CompletableFuture.supplyAsync(
            () -> ferry.ferry("migrate", src.toString(), dst.toString(), "--bwlimit", "32"));
    waitFor(
        "the transfer to start",
        () -> {
          if (run.isDone()) {
            throw new AssertionError(
                "the command ended before it could be paused: " + run.join().all());
          }
          RunRow r = latestRun(src.toString());
          return r != null && r.state() == JobState.RUNNING && r.bytesDone() > 0;
        });
    RunRow r = latestRun(src.toString());
    String key =
        MigrationRunner.runtimeKey(
            dev.ferry.activities.storage.Locations.canonical(src.toString()),
            dev.ferry.activities.storage.Locations.canonical(dst.toString()));
    String state = Files.readString(home.resolve("temporal/" + key + ".state")).trim();
    int port = Integer.parseInt(state.split(" ")[1]);
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
    try {
      MigrationWorkflow wf =
          WorkflowClient.newInstance(stubs)
              .newWorkflowStub(MigrationWorkflow.class, r.workflowId());
      assertThat(wf.pause().state()).isEqualTo(JobState.PAUSED);
      Thread.sleep(6000); // in-flight copies stop within seconds
      long held = latestRun(src.toString()).bytesDone();
      Thread.sleep(3000);
      RunRow paused = latestRun(src.toString());
      assertThat(paused.state()).isEqualTo(JobState.PAUSED);
      assertThat(paused.bytesDone()).isEqualTo(held);
      assertThat(run).isNotDone();
      assertThat(wf.resume().state()).isEqualTo(JobState.RUNNING);
      FerryHarness.Result done = run.get(120, TimeUnit.SECONDS);
      assertThat(done.code()).as(done.all()).isZero();
      assertThat(done.out()).contains("Paused.");
      assertSameTree(src, dst);
    } finally {
      stubs.shutdownNow();
    }
  }

  @Test
  void theWorkflowsFiguresMoveWhileABatchRuns() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    slowTree(src); // one batch of ten files, about ten seconds
    CompletableFuture<FerryHarness.Result> run =
        CompletableFuture.supplyAsync(
            () -> ferry.ferry("migrate", src.toString(), dst.toString(), "--bwlimit", "32"));
    waitFor(
        "the transfer to start",
        () -> {
          if (run.isDone()) {
            throw new AssertionError("the command ended too soon: " + run.join().all());
          }
          RunRow r = latestRun(src.toString());
          return r != null && r.state() == JobState.RUNNING && r.workflowId() != null;
        });
    RunRow r = latestRun(src.toString());
    String key =
        MigrationRunner.runtimeKey(
            dev.ferry.activities.storage.Locations.canonical(src.toString()),
            dev.ferry.activities.storage.Locations.canonical(dst.toString()));
    String state = Files.readString(home.resolve("temporal/" + key + ".state")).trim();
    int port = Integer.parseInt(state.split(" ")[1]);
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
    try {
      WorkflowClient client = WorkflowClient.newInstance(stubs);
      MigrationWorkflow wf = client.newWorkflowStub(MigrationWorkflow.class, r.workflowId());
      // Within the one batch, before it ends, the query shows bytes and files done, twice over.
      List<Long> seen = new ArrayList<>();
      waitFor(
          "the query's bytes to move twice within the batch",
          () -> {
            Progress p = wf.progress();
            assertThat(p.batchesDone()).as("the batch ended first: %s", p).isZero();
            if (p.bytesTransferred() > 0
                && (seen.isEmpty() || p.bytesTransferred() > seen.getLast())) {
              seen.add(p.bytesTransferred());
            }
            return seen.size() >= 2;
          });
      Progress mid = wf.progress();
      assertThat(mid.filesTransferred()).isLessThan(10);
      String details =
          client
              .newUntypedWorkflowStub(r.workflowId())
              .query("__temporal_workflow_metadata", io.temporal.api.sdk.v1.WorkflowMetadata.class)
              .getCurrentDetails();
      assertThat(details)
          .as("the current details count the batch in flight")
          .doesNotContain("0 B of");
      FerryHarness.Result done = run.get(120, TimeUnit.SECONDS);
      assertThat(done.code()).as(done.all()).isZero();
      // (the command's dev server has stopped with it: the catalog has the final figures)
      assertThat(done.out()).contains("10 transferred (40.0 MiB");
      assertSameTree(src, dst);
    } finally {
      stubs.shutdownNow();
    }
  }

  @Test
  void ctrlCCancelsCleanlyAndSaysWhatWasDone() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    slowTree(src);
    Path log = dir.resolve("out.log");
    Process p = startMigrate(src, dst, log, "--bwlimit", "32");
    try {
      waitFor(
          "files to be copied",
          () -> {
            RunRow r = latestRun(src.toString());
            return r != null && r.filesDone() >= 2;
          });
      long t0 = System.nanoTime();
      new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
      String out = Files.readString(log);
      assertThat(p.exitValue()).as(out).isEqualTo(Ferry.EXIT_CANCELLED);
      assertThat(out).contains("Cancelling").contains("Cancelled in");
      RunRow r = latestRun(src.toString());
      assertThat(r.state()).isEqualTo(JobState.CANCELLED);
      assertThat(r.filesDone()).isBetween(2L, 9L);
      // what was copied stays and matches; nothing half-written is visible
      try (Stream<Path> s = Files.list(dst)) {
        List<Path> copied = s.toList();
        assertThat(copied).hasSize((int) r.filesDone());
        for (Path c : copied) {
          assertThat(Files.readAllBytes(c))
              .isEqualTo(Files.readAllBytes(src.resolve(c.getFileName())));
        }
      }
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void twoMigrationsRunAtOnceWithoutGettingInEachOthersWay() throws Exception {
    List<CompletableFuture<Integer>> runs = new ArrayList<>();
    List<Path[]> pairs = new ArrayList<>();
    for (int k = 0; k < 2; k++) {
      Path src = dir.resolve("src" + k);
      Path dst = dir.resolve("dst" + k);
      FerryHarness.awkwardTree(src);
      pairs.add(new Path[] {src, dst});
      MigrateCommand cmd = new MigrateCommand();
      new picocli.CommandLine(cmd).parseArgs(src.toString(), dst.toString());
      MigrateCommand.Request req = cmd.validate(java.time.Instant.now());
      runs.add(
          CompletableFuture.supplyAsync(
              () -> {
                PrintStream quiet =
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
                return new MigrationRunner(quiet, quiet, ferry.env).run(req);
              }));
    }
    for (var r : runs) {
      assertThat(r.get(180, TimeUnit.SECONDS)).isZero();
    }
    for (Path[] p : pairs) {
      assertSameTree(p[0], p[1]);
    }
  }

  @Test
  void ctrlCOnATerminalCancelsCleanlyToo() throws Exception {
    // On a terminal the progress line is drawn; the library behind it once reset SIGINT through
    // JLine, so Ctrl-C killed the JVM before it could cancel the run. `script` gives the command a
    // real pseudo-terminal.
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    slowTree(src);
    Path log = dir.resolve("tty.log");
    List<String> java =
        List.of(
            ProcessHandle.current().info().command().orElse("java"),
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-Dferry.tty=true",
            "-Dferry.columns=100",
            "-cp",
            System.getProperty("java.class.path"),
            Ferry.class.getName(),
            "migrate",
            src.toString(),
            dst.toString(),
            "--bwlimit",
            "32");
    String line =
        java.stream()
            .map(a -> "'" + a.replace("'", "'\\''") + "'")
            .collect(Collectors.joining(" "));
    ProcessBuilder pb =
        new ProcessBuilder("script", "-qfec", line, "/dev/null").redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(ferry.env);
    pb.redirectOutput(log.toFile());
    Process script = pb.start();
    try {
      waitFor(
          "files to be copied",
          () -> {
            RunRow r = latestRun(src.toString());
            return r != null && r.filesDone() >= 2;
          });
      ProcessHandle jvm =
          script
              .descendants()
              .filter(h -> h.info().command().orElse("").endsWith("/java"))
              .findFirst()
              .orElseThrow();
      new ProcessBuilder("kill", "-INT", String.valueOf(jvm.pid())).start().waitFor();
      assertThat(script.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String out = Files.readString(log);
      assertThat(out).contains("Copying").contains("Cancelling").contains("Cancelled in");
      assertThat(script.exitValue()).as(out).isEqualTo(Ferry.EXIT_CANCELLED);
      assertThat(latestRun(src.toString()).state()).isEqualTo(JobState.CANCELLED);
    } finally {
      script.descendants().forEach(ProcessHandle::destroyForcibly);
      script.destroyForcibly();
    }
  }

  Process startMigrate(Path src, Path dst, Path log, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("migrate", src.toString(), dst.toString()));
    args.addAll(List.of(extra));
    return ferry.start(log, args.toArray(String[]::new));
  }

  @Test
  void afterKillMinus9TheSameCommandResumesTheRunWithoutResendingFinishedFiles() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    slowTree(src);
    Process p = startMigrate(src, dst, dir.resolve("first.log"), "--bwlimit", "32");
    java.util.Map<String, java.sql.Timestamp> finishedBefore;
    long runId;
    try {
      waitFor(
          "files to be copied",
          () -> {
            RunRow r = latestRun(src.toString());
            return r != null && r.filesDone() >= 3;
          });
      p.destroyForcibly(); // SIGKILL
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.destroyForcibly();
    }
    runId = latestRun(src.toString()).id();
    finishedBefore =
        ferry
            .db
            .catalog()
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select path, finished_at from run_files where run_id = ? and outcome = 'transferred'")
                        .bind(0, runId)
                        .reduceRows(
                            new java.util.HashMap<String, java.sql.Timestamp>(),
                            (m, row) -> {
                              m.put(
                                  row.getColumn("path", String.class),
                                  row.getColumn("finished_at", java.sql.Timestamp.class));
                              return m;
                            }));
    assertThat(finishedBefore).hasSizeBetween(3, 9);

    FerryHarness.Result again =
        ferry.ferry("migrate", src.toString(), dst.toString(), "--bwlimit", "32");
    assertThat(again.code()).as(again.all()).isZero();
    assertThat(again.out()).contains("Resuming run " + runId);
    assertSameTree(src, dst);
    RunRow r = ferry.db.catalog().run(runId);
    assertThat(r.state()).isEqualTo(JobState.COMPLETED);
    assertThat(r.filesDone()).isEqualTo(10);
    // the files finished before the kill were not sent again
    for (var e : finishedBefore.entrySet()) {
      java.sql.Timestamp now =
          ferry
              .db
              .catalog()
              .jdbi()
              .withHandle(
                  h ->
                      h.createQuery(
                              "select finished_at from run_files where run_id = ? and path = ?")
                          .bind(0, runId)
                          .bind(1, e.getKey())
                          .mapTo(java.sql.Timestamp.class)
                          .one());
      assertThat(now).as(e.getKey()).isEqualTo(e.getValue());
    }
  }

  @Test
  void usesATemporalServiceGivenByAddressOrFallsBackToTheInProcessServer() throws Exception {
    Path src = dir.resolve("src");
    FerryHarness.awkwardTree(src);
    try (var external =
        dev.ferry.api.runtime.LocalTemporal.start(
            new dev.ferry.api.runtime.FerryHome(dir.resolve("other-home")),
            "external",
            ferry.env)) {
      var env = new java.util.HashMap<>(ferry.env);
      env.put("TEMPORAL_ADDRESS", external.address());
      env.put("TEMPORAL_NAMESPACE", "default");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
      int code =
          Ferry.execute(env, ps, ps, "migrate", src.toString(), dir.resolve("d1").toString());
      assertThat(code).as(out.toString()).isZero();
      assertThat(out.toString())
          .contains("Using Temporal at " + external.address())
          .contains(": its history stays in your Temporal service.");
      assertSameTree(src, dir.resolve("d1"));
    }
    var env = new java.util.HashMap<>(ferry.env);
    env.put("FERRY_TEMPORAL_BIN", "none");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
    int code = Ferry.execute(env, ps, ps, "migrate", src.toString(), dir.resolve("d2").toString());
    assertThat(code).as(out.toString()).isZero();
    assertThat(out.toString())
        .contains("Temporal test server in process")
        .contains("not kept across restarts")
        .contains("the in-process test server kept its history in memory only");
    assertSameTree(src, dir.resolve("d2"));
  }

  /** The local PostgreSQL cluster's version, when this machine runs one we may restart. */
  static java.util.Optional<String> restartablePostgres() {
    String url = ferry.env.getOrDefault("FERRY_DB_URL", "");
    Path etc = Path.of("/etc/postgresql");
    if (!url.contains("127.0.0.1:5432") && !url.contains("localhost:5432")) {
      return java.util.Optional.empty();
    }
    try (Stream<Path> s = Files.list(etc)) {
      return s.map(p -> p.getFileName().toString()).sorted().reduce((a, b) -> b);
    } catch (java.io.IOException e) {
      return java.util.Optional.empty();
    }
  }

  @Test
  @org.junit.jupiter.api.Tag("exclusive") // restarts the PostgreSQL the other test JVM uses too
  void aPostgresRestartMidRunIsSurvived() throws Exception {
    var version = restartablePostgres();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        version.isPresent() && "root".equals(System.getProperty("user.name")),
        "needs the machine's own PostgreSQL cluster and root to restart it");
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    slowTree(src);
    CompletableFuture<FerryHarness.Result> run =
        CompletableFuture.supplyAsync(
            () -> ferry.ferry("migrate", src.toString(), dst.toString(), "--bwlimit", "32"));
    waitFor(
        "files to be copied",
        () -> {
          RunRow r = latestRun(src.toString());
          return r != null && r.filesDone() >= 2;
        });
    Process restart =
        new ProcessBuilder("pg_ctlcluster", version.get(), "main", "restart")
            .redirectErrorStream(true)
            .start();
    assertThat(restart.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(restart.exitValue())
        .as(new String(restart.getInputStream().readAllBytes()))
        .isZero();
    FerryHarness.Result done = run.get(240, TimeUnit.SECONDS);
    assertThat(done.code()).as(done.all()).isZero();
    assertThat(done.out()).contains("Completed").contains("0 failed");
    assertSameTree(src, dst);
  }

  @Test
  void whenTheWorkerRunningABatchDiesAnotherWorkerFinishesIt() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    slowTree(src);
    try (TwoWorkers cluster = TwoWorkers.start(ferry, dir)) {
      var catalog = ferry.db.catalog();
      TwoWorkers.Started m =
          cluster.migrate(
              catalog,
              src.toString(),
              dst.toString(),
              dev.ferry.activities.catalog.RunOptions.defaults(),
              new dev.ferry.workflows.Limits(4, 32));
      waitFor("files to be copied", () -> catalog.run(m.run()).filesDone() >= 2);
      Process victim = cluster.holderOfTheBatch(m.workflowId());
      Process survivor = cluster.other(victim);
      TwoWorkers.kill(victim); // SIGKILL, mid-batch
      Progress end = cluster.result(m.workflowId(), Duration.ofSeconds(180));
      assertThat(end.state()).isEqualTo(JobState.COMPLETED);
      assertThat(survivor.isAlive()).isTrue();
      assertSameTree(src, dst);
      assertThat(catalog.run(m.run()).filesDone()).isEqualTo(10);
    }
  }
}
