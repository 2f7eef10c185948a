package dev.ferry.api.cli;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.Database;
import dev.ferry.activities.catalog.DbConfig;
import dev.ferry.activities.catalog.JobRuns;
import dev.ferry.activities.catalog.OwnerRunRow;
import dev.ferry.activities.catalog.ReportRow;
import dev.ferry.activities.catalog.RunRow;
import dev.ferry.api.runtime.FerryHome;
import dev.ferry.api.runtime.FerryRuntime;
import dev.ferry.api.runtime.JobLock;
import dev.ferry.api.runtime.LocalTemporal;
import dev.ferry.workflows.JobRunStatus;
import dev.ferry.workflows.JobRunWorkflow;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.Progress;
import dev.ferry.workflows.RunMode;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one validated migration request end to end in this process: catalog, a local (or the
 * configured) Temporal service, a worker, the workflow, live progress, the summary and the report.
 * Ctrl-C cancels the run cleanly. A run cut off earlier (the process was killed) is picked up
 * again: the workflow itself when the Temporal dev server kept it, else a new run that the manifest
 * makes incremental.
 */
final class MigrationRunner {
  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;

  MigrationRunner(PrintStream out, PrintStream err, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(MigrationRunner.class);
  private final long t0 = System.nanoTime();
  private final CountDownLatch finished = new CountDownLatch(1);

  private void phase(String what) {
    log.debug("{} after {} ms", what, (System.nanoTime() - t0) / 1_000_000);
  }

  private <T> T started(T t) {
    phase("started " + t.getClass().getSimpleName());
    return t;
  }

  /**
   * The name of a migration's local runtime (its lock, and its Temporal dev server's files):
   * derived from the canonical locations, so it is known before the catalog is open and the two can
   * start side by side.
   */
  static String runtimeKey(String source, String dest) {
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest((source + "\n" + dest).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "migrate-" + java.util.HexFormat.of().formatHex(d, 0, 10);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  int run(MigrateCommand.Request req) {
    try {
      return runLocked(req);
    } finally {
      finished.countDown();
    }
  }

  private int runLocked(MigrateCommand.Request req) {
    FerryHome home = FerryHome.fromEnv(env);
    String key = runtimeKey(req.source(), req.dest());
    Optional<JobLock> lock;
    try {
      lock = JobLock.tryAcquire(home.sub("locks").resolve(key + ".lock"));
    } catch (IOException | java.io.UncheckedIOException e) {
      err.println("ferry: cannot take the job lock under " + home.dir() + ": " + e.getMessage());
      return Ferry.EXIT_ENVIRONMENT;
    }
    if (lock.isEmpty()) {
      err.println(
          "ferry: another 'ferry migrate' is already running this migration ("
              + req.source()
              + " -> "
              + req.dest()
              + "); wait for it to finish or stop it first.");
      return Ferry.EXIT_ENVIRONMENT;
    }
    try (JobLock held = lock.get()) {
      // Temporal starts while the catalog opens: both take about a second.
      CompletableFuture<LocalTemporal> temporalStarting =
          CompletableFuture.supplyAsync(
              () -> started(LocalTemporal.start(home, key, env)),
              // a thread of its own: the common pool has a single thread on a 2-core machine,
              // and anything else waiting on it would wait for Temporal's start-up too
              r -> Thread.ofPlatform().name("ferry-temporal-start").daemon().start(r));
      Catalog catalog;
      try {
        catalog = FerryRuntime.openCatalog(DbConfig.fromEnv(env));
      } catch (Database.Unreachable e) {
        err.println("ferry: " + e.getMessage());
        temporalStarting.thenAccept(LocalTemporal::close);
        return Ferry.EXIT_ENVIRONMENT;
      }
      phase("catalog open");
      try {
        UUID jobId =
            catalog.findOrCreateJob(req.source() + " -> " + req.dest(), req.source(), req.dest());
        LocalTemporal temporal;
        try {
          temporal = temporalStarting.join();
        } catch (java.util.concurrent.CompletionException e) {
          err.println("ferry: " + e.getCause().getMessage());
          return Ferry.EXIT_ENVIRONMENT;
        }
        try (temporal;
            FerryRuntime runtime =
                FerryRuntime.start(catalog, temporal, env)
                    // the command exits once the migration has ended: no need to wait for pollers
                    .stopWait(java.time.Duration.ofMillis(100))) {
          phase("Temporal and worker up");
          out.println("Ferry: " + req.source() + " -> " + req.dest());
          out.println("Using " + temporal.describe());
          return req.owners() != null
              ? driveOwners(req, jobId, catalog, runtime.client(), temporal.mode())
              : drive(req, jobId, catalog, runtime.client(), temporal.mode());
        }
      } finally {
        catalog.close(); // its connections go back to PostgreSQL now
      }
    } catch (IOException e) {
      err.println("ferry: " + e.getMessage());
      return Ferry.EXIT_ENVIRONMENT;
    } catch (IllegalStateException e) {
      err.println("ferry: " + e.getMessage());
      return Ferry.EXIT_ENVIRONMENT;
    }
  }

  private int drive(
      MigrateCommand.Request req,
      UUID jobId,
      Catalog catalog,
      WorkflowClient client,
      LocalTemporal.Mode mode)
      throws IOException {
    // one job run (a JobRunWorkflow) of one owner, the job's whole source: the shape of --owners
    // and of the API's runs
    long jobRunId = new OwnersRunner(out, err).open(req, jobId, catalog, client);
    OwnerRunRow owner = new JobRuns(catalog.jdbi()).ownerRuns(jobRunId).getFirst();
    long runId = owner.run().id();
    String workflowId = JobRunWorkflow.workflowId(jobId.toString(), jobRunId);
    String ownerWorkflowId =
        JobRunWorkflow.ownerWorkflowId(jobId.toString(), jobRunId, owner.owner().id().toString());
    WorkflowStub stub = client.newUntypedWorkflowStub(workflowId);
    CompletableFuture<JobRunStatus> result = stub.getResultAsync(JobRunStatus.class);

    AtomicBoolean interrupted = new AtomicBoolean();
    Thread hook = cancelOnSignals(stub, result, interrupted);
    String failureType = null;
    Retries retries = new Retries(client, ownerWorkflowId);
    try (ProgressView view = new ProgressView(out, Boolean.getBoolean("ferry.tty"))) {
      for (int tick = 0; ; tick++) {
        try {
          result.get(500, TimeUnit.MILLISECONDS);
          break;
        } catch (TimeoutException e) {
          if (tick % 4 == 3) {
            view.retrying(retries.now());
          }
          try {
            view.update(catalog.run(runId), catalog.inFlight(runId));
          } catch (RuntimeException dbBlip) {
            // the catalog is briefly unreachable (a PostgreSQL restart): the run goes on in
            // Temporal and its activities retry; show progress again once it answers
            log.debug("progress unavailable: {}", dbBlip.getMessage());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Ferry.EXIT_CANCELLED;
        } catch (java.util.concurrent.ExecutionException e) {
          // a cancelled job run ends CANCELED; the catalog has the run's state and reason
          if (!cancelled(e.getCause())) {
            err.println("ferry: the run ended abnormally: " + e.getCause().getMessage());
          }
          break;
        }
      }
      // the owner's run ends with the job run's (a cancelled one within a moment of it)
      OwnersRunner.awaitEnded(new JobRuns(catalog.jdbi()), jobRunId);
      failureType = ownerFailureType(client, catalog.run(runId));
      try {
        view.finish(catalog.run(runId));
      } catch (RuntimeException dbBlip) {
        log.debug("final progress unavailable: {}", dbBlip.getMessage());
      }
    }
    try {
      int code = summarize(catalog, runId, failureType, req.report());
      out.println(
          "Workflow "
              + workflowId
              + switch (mode) {
                case EXTERNAL -> ": its history stays in your Temporal service.";
                // under the id (some 60 characters), so that the summary fits 80 columns
                case DEV_SERVER ->
                    String.format(
                        "%n  its history stays in this migration's local Temporal file; the Web UI"
                            + " above%n  ends with this command ('ferry server' keeps one up).");
                case IN_PROCESS ->
                    String.format(
                        "%n  the in-process test server kept its history in memory only, and it"
                            + " ends%n  with this command (run scripts/setup for the Temporal"
                            + " CLI).");
              });
      return interrupted.get() ? Ferry.EXIT_CANCELLED : code;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it waits for the summary above
      }
    }
  }

  /**
   * Cancels the workflow behind {@code stub} on SIGTERM, SIGHUP and Ctrl-C (a second Ctrl-C stops
   * at once); returns the shutdown hook to remove once the summary is printed.
   */
  private Thread cancelOnSignals(
      WorkflowStub stub, CompletableFuture<?> result, AtomicBoolean interrupted) {
    Runnable cancel =
        () -> {
          if (!result.isDone()) {
            err.println("\nCancelling: files being copied stop now; what was copied stays.");
            try {
              stub.cancel(); // Temporal's cancellation: the workflow ends CANCELED
            } catch (RuntimeException e) {
              err.println("ferry: could not cancel cleanly: " + e.getMessage());
            }
          }
        };
    // SIGTERM, SIGHUP (and SIGINT where no handler of ours is installed): cancel, then wait until
    // the summary is printed and Temporal and the worker are shut down
    Thread hook =
        new Thread(
            () -> {
              interrupted.set(true);
              cancel.run();
              try {
                finished.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "ferry-ctrl-c");
    // Ctrl-C in a process of its own: cancel and let the command end as usual (summary, report,
    // exit code 130) rather than through the JVM's shutdown, in which the class-data archive the
    // first run after a build records could crash the JVM (seen: SIGSEGV in the archive dump);
    // a second Ctrl-C stops at once
    if (Ferry.ownsProcess()) {
      sun.misc.Signal.handle(
          new sun.misc.Signal("INT"),
          sig -> {
            if (interrupted.getAndSet(true)) {
              err.println("\nStopping now; the same command resumes the run.");
              Runtime.getRuntime().halt(Ferry.EXIT_CANCELLED);
            }
            Thread.ofVirtual().start(cancel);
          });
    }
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  /** {@code ferry migrate --owners}: the owners' job run, driven by {@link OwnersRunner}. */
  private int driveOwners(
      MigrateCommand.Request req,
      UUID jobId,
      Catalog catalog,
      WorkflowClient client,
      LocalTemporal.Mode mode)
      throws IOException {
    AtomicBoolean interrupted = new AtomicBoolean();
    Thread[] hook = new Thread[1];
    try {
      return new OwnersRunner(out, err)
          .drive(
              req,
              jobId,
              catalog,
              client,
              mode,
              (stub, result) -> hook[0] = cancelOnSignals(stub, result, interrupted),
              interrupted::get);
    } finally {
      if (hook[0] != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook[0]);
        } catch (IllegalStateException shuttingDown) {
          // the hook is running: it waits for the summary above
        }
      }
    }
  }

  static boolean isRunning(WorkflowClient client, String workflowId) {
    try {
      var resp =
          client
              .getWorkflowServiceStubs()
              .blockingStub()
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(client.getOptions().getNamespace())
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                      .build());
      return resp.getWorkflowExecutionInfo().getStatus()
          == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    } catch (io.grpc.StatusRuntimeException e) {
      return false;
    }
  }

  /**
   * The type of the failure the owner's workflow (that of its last attempt, which its catalog run
   * names) failed with, when its run failed; null otherwise.
   */
  private static String ownerFailureType(WorkflowClient client, RunRow run) {
    if (run.state() != JobState.FAILED || run.workflowId() == null) {
      return null;
    }
    try {
      client
          .newUntypedWorkflowStub(run.workflowId())
          .getResult(10, TimeUnit.SECONDS, Progress.class);
      return null;
    } catch (TimeoutException e) {
      return null;
    } catch (RuntimeException e) {
      return failureType(e);
    }
  }

  /** The type of the application failure a workflow failed with, if any. */
  private static String failureType(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof io.temporal.failure.ApplicationFailure af) {
        return af.getType();
      }
    }
    return null;
  }

  private static boolean cancelled(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof io.temporal.failure.CanceledFailure) {
        return true;
      }
    }
    return false;
  }

  /** Failures of a run's configuration, found only once it ran: exit code 2, like bad options. */
  static boolean configurationFailure(String type) {
    return dev.ferry.workflows.MigrationActivities.CONFIG_ERROR.equals(type)
        || dev.ferry.workflows.MigrationActivities.ACCESS_DENIED.equals(type)
        || dev.ferry.workflows.MigrationActivities.NOT_FOUND.equals(type);
  }

  /** How a large source was split into shards, or null when it ran whole. */
  static String shardsLine(
      List<dev.ferry.activities.catalog.RunShards.ShardRow> shards, boolean dryRun) {
    if (shards.isEmpty()) {
      return null;
    }
    long over =
        shards.stream()
            .filter(dev.ferry.activities.catalog.RunShards.ShardRow::overThreshold)
            .count();
    if (shards.size() == 1) {
      return "Large source: one folder holds more than --shard-items files and cannot be cut; it"
          + (dryRun ? " would run" : " ran")
          + " as one workflow";
    }
    return String.format(
        java.util.Locale.ROOT,
        "Large source: %s along its folder tree into %d shards, each its own workflow"
            + " (…-shard-<n>): %s%s",
        dryRun ? "would be split" : "split",
        shards.size(),
        String.join(
            ", ",
            shards.stream()
                .map(r -> String.format(java.util.Locale.ROOT, "%,d items", r.items()))
                .toList()),
        over > 0 ? "; " + over + " over the threshold (one folder's files are never cut)" : "");
  }

  private int summarize(Catalog catalog, long runId, String failureType, Path report)
      throws IOException {
    RunRow run = catalog.run(runId);
    double secs =
        ((run.finishedAt() == null ? java.time.Instant.now() : run.finishedAt()).toEpochMilli()
                - run.startedAt().toEpochMilli())
            / 1000.0;
    JobState state = run.state();
    Catalog.Renamed altered = catalog.altered(runId, 20);
    long accepted = altered.count() == 0 ? 0 : catalog.alteredAccepted(runId);
    out.print(
        Summary.text(run, state, secs, catalog.failedFolders(runId), altered.count(), accepted));
    String shards =
        shardsLine(
            new dev.ferry.activities.catalog.RunShards(catalog.jdbi()).of(runId),
            run.mode() == RunMode.DRY_RUN);
    if (shards != null) {
      out.println(shards);
    }
    if (run.message() != null) {
      out.println("Reason: " + run.message());
    }
    List<ReportRow> failures = catalog.failures(runId, 20);
    if (!failures.isEmpty()) {
      out.println(run.mode() == RunMode.DRY_RUN ? "Problems found:" : "Failed files:");
      for (ReportRow f : failures) {
        out.println("  " + Summary.printable(f.path()) + ": " + Summary.printable(f.reason()));
      }
      if (run.filesFailed() > failures.size()) {
        out.println(
            "  ... and " + (run.filesFailed() - failures.size()) + " more (see the report)");
      }
    }
    if (altered.count() > 0) {
      out.println("Altered by the destination (stored; destination size and hash, then sent):");
      for (ReportRow f : altered.rows()) {
        out.println(
            "  "
                + Summary.printable(f.path())
                + ": "
                + f.destSize()
                + " bytes "
                + f.destHash()
                + ", sent "
                + f.size()
                + " bytes "
                + f.sentHash()
                + ("altered-accepted".equals(f.verifiedBy()) ? " (accepted)" : ""));
      }
      if (altered.count() > altered.rows().size()) {
        out.println(
            "  ... and " + (altered.count() - altered.rows().size()) + " more (see the report)");
      }
    }
    Catalog.Renamed renamed = catalog.renamed(runId, 20);
    if (renamed.count() > 0) {
      out.println(
          (run.mode() == RunMode.DRY_RUN ? "Would rename" : "Renamed")
              + " for the destination (its rules refuse the original names):");
      for (ReportRow f : renamed.rows()) {
        out.println("  " + Summary.printable(f.path()) + " -> " + Summary.printable(f.destPath()));
      }
      if (renamed.count() > renamed.rows().size()) {
        out.println(
            "  ... and " + (renamed.count() - renamed.rows().size()) + " more (see the report)");
      }
    }
    if (report != null) {
      ReportWriter.write(catalog, runId, report);
      out.println("Report: " + report.toAbsolutePath());
    }
    if (state == JobState.CANCELLED) {
      return Ferry.EXIT_CANCELLED;
    }
    if (state == JobState.FAILED && configurationFailure(failureType)) {
      out.println(
          "The run could not go on as configured (exit code 2): fix what the reason says and run"
              + " the same command again.");
      return Ferry.EXIT_USAGE;
    }
    return state == JobState.FAILED
            || run.filesFailed() > 0
            || altered.count() > accepted
            || failedFoldersOrZero(catalog, runId)
        ? Ferry.EXIT_FAILED
        : Ferry.EXIT_OK;
  }

  private static boolean failedFoldersOrZero(Catalog catalog, long runId) {
    return catalog.failedFolders(runId) > 0;
  }
}
