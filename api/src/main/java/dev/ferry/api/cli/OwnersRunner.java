package dev.ferry.api.cli;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.JobReportRow;
import dev.ferry.activities.catalog.JobRunRow;
import dev.ferry.activities.catalog.JobRuns;
import dev.ferry.activities.catalog.Jobs;
import dev.ferry.activities.catalog.OwnerRow;
import dev.ferry.activities.catalog.OwnerRunRow;
import dev.ferry.activities.catalog.RunRow;
import dev.ferry.api.runtime.LocalTemporal;
import dev.ferry.api.runtime.SearchAttributeSetup;
import dev.ferry.api.server.Csv;
import dev.ferry.workflows.FerryAttributes;
import dev.ferry.workflows.JobRunInput;
import dev.ferry.workflows.JobRunStatus;
import dev.ferry.workflows.JobRunWorkflow;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.Labels;
import dev.ferry.workflows.MigrationWorkflow;
import dev.ferry.workflows.RunMode;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code ferry migrate --owners}: the migration's owners (folders below SOURCE and DEST, each with
 * its own manifest) run as one job run — a {@link JobRunWorkflow} whose children are the owners'
 * {@link MigrationWorkflow}s, as a job of {@code ferry server} runs — of every owner, or of those
 * {@code --only-owner} names (a staged start). Prints each owner as it ends, then the summary and
 * the per-owner table ({@link OwnersSummary}).
 */
final class OwnersRunner {
  private final PrintStream out;
  private final PrintStream err;

  OwnersRunner(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** What {@link MigrationRunner} hands over: the stub once started, to cancel it on Ctrl-C. */
  interface Started {
    void started(WorkflowStub stub, CompletableFuture<?> result);
  }

  int drive(
      MigrateCommand.Request req,
      UUID jobId,
      Catalog catalog,
      WorkflowClient client,
      LocalTemporal.Mode mode,
      Started started,
      java.util.function.BooleanSupplier interrupted)
      throws IOException {
    JobRuns jobRuns = new JobRuns(catalog.jdbi());
    long jobRunId = open(req, jobId, catalog, client);
    String workflowId = JobRunWorkflow.workflowId(jobId.toString(), jobRunId);
    WorkflowStub stub = client.newUntypedWorkflowStub(workflowId);
    CompletableFuture<JobRunStatus> result = stub.getResultAsync(JobRunStatus.class);
    started.started(stub, result);
    int total = jobRuns.ownerRuns(jobRunId).size();
    out.println(
        (req.mode() == RunMode.DRY_RUN ? "Scanning " : "Copying ")
            + Units.count(total)
            + (total == 1 ? " owner" : " owners")
            + (req.chosen().size() < req.owners().size()
                ? " of the " + Units.count(req.owners().size()) + " in the owners file"
                : "")
            + ", each as its own workflow.");
    Set<Long> reported = new HashSet<>();
    long lastLine = System.nanoTime();
    while (true) {
      try {
        result.get(500, TimeUnit.MILLISECONDS);
        break;
      } catch (TimeoutException e) {
        try {
          report(jobRuns.ownerRuns(jobRunId), reported);
          if (System.nanoTime() - lastLine > 10_000_000_000L) {
            lastLine = System.nanoTime();
            progress(jobRuns, jobId, jobRunId);
          }
        } catch (RuntimeException dbBlip) {
          // the catalog is briefly unreachable: the run goes on in Temporal
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Ferry.EXIT_CANCELLED;
      } catch (java.util.concurrent.ExecutionException e) {
        break; // cancelled or failed: the catalog has each owner's state and reason
      }
    }
    List<OwnerRunRow> owners = awaitEnded(jobRuns, jobRunId);
    report(owners, reported);
    JobRunRow run = jobRuns.find(jobId, jobRunId).orElseThrow();
    return summarize(jobRuns, run, owners, req.report(), workflowId, mode, interrupted);
  }

  /**
   * The job run this command drives, for both shapes of {@code ferry migrate}: the one left running
   * by an earlier command that was cut off (its workflow still runs in Temporal: resumed, not
   * started again), else a new one, created in the catalog and started as a {@link JobRunWorkflow}.
   * A plain migrate ({@code req.owners()} null) is a job of one owner, the job's implicit owner
   * (its whole source); with {@code --owners} the owners of the file, or those {@code --only-owner}
   * names. Returns the job run's id.
   */
  long open(MigrateCommand.Request req, UUID jobId, Catalog catalog, WorkflowClient client) {
    boolean single = req.owners() == null;
    Jobs jobs = new Jobs(catalog.jdbi());
    JobRuns jobRuns = new JobRuns(catalog.jdbi());
    if (single) {
      retireOwnRun(jobId, catalog, client);
    }
    Optional<JobRunRow> last = jobRuns.latest(jobId);
    if (last.isPresent() && last.get().finishedAt() == null) {
      JobRunRow old = last.get();
      String wf = JobRunWorkflow.workflowId(jobId.toString(), old.id());
      List<OwnerRunRow> oldOwners = jobRuns.ownerRuns(old.id());
      // a plain run resumes a plain run, an owners' run an owners' run
      boolean sameShape =
          single == (oldOwners.size() == 1 && oldOwners.getFirst().owner().implicit());
      String shown =
          String.valueOf(single && sameShape ? oldOwners.getFirst().run().id() : old.id());
      if (sameShape && old.mode() == req.mode() && MigrationRunner.isRunning(client, wf)) {
        out.println(
            "Resuming run " + shown + ", which was interrupted; files already copied are kept.");
        return old.id();
      }
      if (MigrationRunner.isRunning(client, wf)) {
        client.newUntypedWorkflowStub(wf).terminate("superseded by a new run");
      }
      jobRuns.failUnfinished(old.id(), "interrupted: the process running it stopped");
      out.println(
          "Run "
              + shown
              + " was interrupted earlier; starting a new run that skips what it copied.");
    }
    List<OwnerRow> owners;
    if (single) {
      jobs.replaceOwners(jobId, req.source(), req.dest(), List.of());
      owners = jobs.owners(jobId);
      // the manifest of the runs this migration made before they were job runs
      jobs.adoptManifest(jobId, owners.getFirst().id());
    } else {
      jobs.replaceOwners(jobId, req.source(), req.dest(), req.owners());
      Set<String> chosen = new HashSet<>();
      req.chosen().forEach(o -> chosen.add(o.sourcePath()));
      owners = jobs.owners(jobId).stream().filter(o -> chosen.contains(o.sourcePath())).toList();
    }
    long jobRunId =
        jobRuns
            .create(jobId, req.mode(), owners, req.options(), req.limits().concurrency(), null)
            .orElseThrow(
                () -> new IllegalStateException("the migration has a run that has not ended"))
            .jobRunId();
    start(req, jobId, jobRunId, client, owners.size(), single);
    return jobRunId;
  }

  /**
   * A run this migration started as a workflow of its own, before its runs were job runs, and that
   * never ended (the command was cut off): stopped and ended as interrupted; the new job run skips
   * what it copied (its manifest goes to the job's owner).
   */
  private void retireOwnRun(UUID jobId, Catalog catalog, WorkflowClient client) {
    Optional<RunRow> own = catalog.unfinishedRun(jobId);
    if (own.isEmpty()) {
      return;
    }
    RunRow old = own.get();
    if (old.workflowId() != null && MigrationRunner.isRunning(client, old.workflowId())) {
      client.newUntypedWorkflowStub(old.workflowId()).terminate("superseded by a new run");
    }
    catalog.finish(old.id(), JobState.FAILED, "interrupted: the process running it stopped");
    out.println(
        "Run "
            + old.id()
            + " was interrupted earlier; starting a new run that skips what it copied.");
  }

  private void start(
      MigrateCommand.Request req,
      UUID jobId,
      long jobRunId,
      WorkflowClient client,
      int owners,
      boolean single) {
    String id = JobRunWorkflow.workflowId(jobId.toString(), jobRunId);
    Labels labels =
        SearchAttributeSetup.ready(client)
            ? new Labels(
                jobId.toString(),
                String.valueOf(jobRunId),
                null,
                null,
                null,
                null,
                FerryAttributes.KIND_JOB_RUN)
            : null;
    String summary = "Ferry: " + req.source() + " → " + req.dest();
    WorkflowOptions.Builder wo =
        WorkflowOptions.newBuilder()
            .setWorkflowId(id)
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .setStaticSummary(
                summary
                    + " ("
                    + owners
                    + (owners == 1 ? " owner, " : " owners, ")
                    + req.mode()
                    + ")");
    if (labels != null) {
      wo.setTypedSearchAttributes(
          FerryAttributes.atStart(labels, FerryAttributes.phase(JobState.RUNNING)));
    }
    JobRunWorkflow wf = client.newWorkflowStub(JobRunWorkflow.class, wo.build());
    WorkflowClient.start(
        wf::run,
        new JobRunInput(
            jobId.toString(),
            jobRunId,
            req.mode(),
            req.limits(),
            Math.max(1, Math.min(req.limits().concurrency(), JobRunInput.DEFAULT_MAX_PARALLEL)),
            null,
            null,
            req.retries(),
            null,
            summary,
            labels,
            null,
            null,
            // a plain migrate gives up after its --retries, as the user at the terminal expects;
            // the owners of --owners are rerun as a job's are
            single ? 0 : null));
  }

  /** One line per owner that has ended since the last call. */
  private void report(List<OwnerRunRow> owners, Set<Long> reported) {
    for (OwnerRunRow o : owners) {
      if (o.run().finishedAt() != null && reported.add(o.run().id())) {
        RunRow r = o.run();
        out.println(
            "  "
                + Summary.printable(OwnersSummary.name(o))
                + ": "
                + o.state().replace('_', ' ')
                + (o.light() == null ? "" : " (" + o.light() + ")")
                + ", "
                + Units.count(r.filesTotal())
                + (r.filesTotal() == 1 ? " file, " : " files, ")
                + Units.bytes(r.bytesTotal())
                + ("red".equals(o.light()) && r.message() != null
                    ? ": " + Summary.printable(r.message())
                    : ""));
      }
    }
  }

  private void progress(JobRuns jobRuns, UUID jobId, long jobRunId) {
    JobRuns.OwnerTotals t = jobRuns.ownerTotals(jobRunId);
    JobRunRow run = jobRuns.find(jobId, jobRunId).orElseThrow();
    long ended =
        t.states().get("completed")
            + t.states().get("completed_with_errors")
            + t.states().get("failed")
            + t.states().get("cancelled");
    out.println(
        "  ... "
            + Units.count(ended)
            + " of "
            + Units.count(t.total())
            + " owners ended; "
            + Units.count(run.filesDone())
            + " files ("
            + Units.bytes(run.bytesDone())
            + ") transferred so far");
  }

  /**
   * The owners once every one has ended (a cancelled parent marks those not started within a moment
   * of its end).
   */
  static List<OwnerRunRow> awaitEnded(JobRuns jobRuns, long jobRunId) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      List<OwnerRunRow> owners = jobRuns.ownerRuns(jobRunId);
      if (owners.stream().allMatch(o -> o.run().finishedAt() != null)
          || System.nanoTime() > deadline) {
        return owners;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return owners;
      }
    }
  }

  private int summarize(
      JobRuns jobRuns,
      JobRunRow run,
      List<OwnerRunRow> owners,
      Path report,
      String workflowId,
      LocalTemporal.Mode mode,
      java.util.function.BooleanSupplier interrupted)
      throws IOException {
    JobState state = JobState.valueOf(run.state());
    RunRow whole =
        new RunRow(
            run.id(),
            run.jobId(),
            run.mode(),
            state,
            workflowId,
            null,
            run.startedAt(),
            run.finishedAt(),
            run.filesTotal(),
            run.bytesTotal(),
            run.filesToCopy(),
            run.bytesToCopy(),
            run.filesDone(),
            run.bytesDone(),
            run.filesUnchanged(),
            run.filesSkipped(),
            run.filesFailed(),
            0,
            0);
    double secs =
        ((run.finishedAt() == null ? Instant.now() : run.finishedAt()).toEpochMilli()
                - run.startedAt().toEpochMilli())
            / 1000.0;
    out.print(Summary.text(whole, state, secs, 0));
    long unscanned =
        owners.stream()
            .filter(o -> "failed".equals(o.state()) && o.run().filesTotal() == 0)
            .count();
    if (unscanned > 0) {
      // their files are in no count above: the success rate is of the files found only
      out.println(
          "  "
              + Units.count(unscanned)
              + (unscanned == 1 ? " owner" : " owners")
              + " failed before a file was found: the figures above leave "
              + (unscanned == 1 ? "it" : "them")
              + " out");
    }
    out.print(OwnersSummary.text(owners));
    if (report != null) {
      write(jobRuns, run, report);
      out.println("Report: " + report.toAbsolutePath());
    }
    out.println(
        "Workflow "
            + workflowId
            + " and its owners' children"
            + switch (mode) {
              case EXTERNAL -> ": their histories stay in your Temporal service.";
              case DEV_SERVER -> ": their histories stay in this migration's local Temporal file.";
              case IN_PROCESS ->
                  ": the in-process test server kept their histories in memory only.";
            });
    if (interrupted.getAsBoolean() || state == JobState.CANCELLED) {
      return Ferry.EXIT_CANCELLED;
    }
    boolean bad =
        state == JobState.FAILED
            || state == JobState.COMPLETED_WITH_ERRORS
            || run.filesFailed() > 0
            || owners.stream().anyMatch(o -> "red".equals(o.light()));
    return bad ? Ferry.EXIT_FAILED : Ferry.EXIT_OK;
  }

  /** The job run's report as CSV: the summary as comments, one row per file with its owner. */
  private static void write(JobRuns jobRuns, JobRunRow run, Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".partial");
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
        Csv csv = Csv.withComments(w)) {
      csv.comment(
          "Ferry run " + run.id() + " (" + run.mode() + ") of owners, state " + run.state());
      csv.comment("files_found: " + run.filesTotal() + ", bytes_found: " + run.bytesTotal());
      csv.comment(
          "files_transferred: " + run.filesDone() + ", bytes_transferred: " + run.bytesDone());
      csv.comment("files_unchanged: " + run.filesUnchanged());
      csv.comment("files_skipped: " + run.filesSkipped());
      csv.comment("files_failed: " + run.filesFailed());
      csv.row(
          "owner",
          "path",
          "size",
          "outcome",
          "reason",
          "sha256",
          "verified_by",
          "attempts",
          "destination_path");
      try {
        jobRuns.forEachReportRow(
            run.id(),
            (JobReportRow r) -> {
              try {
                csv.row(
                    r.owner(),
                    r.path(),
                    r.size(),
                    r.outcome(),
                    r.reason(),
                    r.sha256(),
                    r.verifiedBy(),
                    r.attempts(),
                    r.destinationPath());
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
      } catch (java.io.UncheckedIOException e) {
        throw e.getCause();
      }
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
