package dev.ferry.api.server;

import dev.ferry.activities.catalog.CatalogStorageResolver;
import dev.ferry.activities.catalog.ConnectionRow;
import dev.ferry.activities.catalog.Cutovers;
import dev.ferry.activities.catalog.JobRow;
import dev.ferry.activities.catalog.JobRunRow;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.activities.catalog.OwnerRow;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.engine.CheckService;
import dev.ferry.activities.engine.Filters;
import dev.ferry.activities.engine.HookRunner;
import dev.ferry.activities.engine.StorageResolver;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.temporal.KeepAlive;
import dev.ferry.workflows.CutoverActivities;
import dev.ferry.workflows.CutoverStatus;
import dev.ferry.workflows.CutoverWorkflowImpl;
import dev.ferry.workflows.JobRunInput;
import dev.ferry.workflows.RunMode;
import io.javalin.http.HttpResponseException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The server's side of a cutover (task queue {@code ferry-server}): a round's catalog rows are
 * prepared exactly as {@code POST /jobs/{id}/runs} prepares a run ({@link RunLauncher#prepare}),
 * hooks are read from the catalog and run here, the verification compares every owner's source and
 * destination ({@link CheckService}) and stores the differences in the catalog.
 */
final class CutoverActivitiesImpl implements CutoverActivities {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(CutoverActivitiesImpl.class);
  private final Services s;
  private final Cutovers cutovers;
  private final StorageResolver storage;

  CutoverActivitiesImpl(Services s) {
    this.s = s;
    this.cutovers = new Cutovers(s.jdbi);
    this.storage = new CatalogStorageResolver(s.connections::resolve, s.kinds);
  }

  private JobSpecRow job(String id) {
    return s.jobs
        .find(UUID.fromString(id))
        .orElseThrow(
            () ->
                ApplicationFailure.newNonRetryableFailure(
                    "the job was deleted", CutoverWorkflowImpl.CUTOVER_REFUSED));
  }

  @Override
  public JobRunInput prepareRound(RoundRequest request) {
    return KeepAlive.call(
        () -> {
          JobSpecRow job = job(request.jobId());
          boolean copiedBefore =
              s.jobRuns.list(job.id(), 500).stream()
                  .anyMatch(
                      r ->
                          r.mode() != RunMode.DRY_RUN
                              && (r.state().equals("COMPLETED")
                                  || r.state().equals("COMPLETED_WITH_ERRORS")));
          RunMode mode = request.finalRound() || copiedBefore ? RunMode.INCREMENTAL : RunMode.FULL;
          try {
            return s.launcher.prepare(job, mode, null); // every owner it has
          } catch (HttpResponseException e) {
            throw ApplicationFailure.newNonRetryableFailure(
                e.getMessage(), CutoverWorkflowImpl.CUTOVER_REFUSED);
          }
        });
  }

  @Override
  public RoundFigures roundFigures(RoundRef round) {
    return KeepAlive.call(
        () -> {
          UUID jobId = s.jobRuns.control(round.jobRunId()).map(c -> c.jobId()).orElseThrow();
          JobRunRow r = s.jobRuns.find(jobId, round.jobRunId()).orElseThrow();
          long seconds =
              r.finishedAt() == null
                  ? 0
                  : Duration.between(r.startedAt(), r.finishedAt()).toSeconds();
          return new RoundFigures(
              r.state(),
              r.filesDone(),
              r.bytesDone(),
              r.filesFailed(),
              seconds,
              s.jobRuns.deletedAtSource(round.jobRunId()));
        });
  }

  @Override
  public HookResult runHook(HookCall call) {
    JobSpecRow job = job(call.jobId());
    var hook = cutovers.hook(job.id(), call.hook());
    if (hook.isEmpty()) {
      return new HookResult(false, true, null);
    }
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    Map<String, String> env = new HashMap<>();
    env.put("FERRY_JOB_ID", job.id().toString());
    env.put("FERRY_DESTINATION", destination(job));
    HookRunner.Outcome o =
        new HookRunner()
            .run(
                hook.get(),
                call.hook(),
                env,
                () -> {
                  try {
                    ctx.heartbeat(null);
                  } catch (RuntimeException e) {
                    // the hook's outcome is what matters; it is not stopped halfway
                  }
                });
    return new HookResult(true, o.ok(), o.outcome());
  }

  /**
   * The folders on this server's disks that are the job's owners' sources, or why Ferry cannot
   * freeze the source itself.
   */
  private List<java.nio.file.Path> localSources(JobSpecRow job, StringBuilder why) {
    List<java.nio.file.Path> roots = new ArrayList<>();
    if (job.agentId() != null) {
      why.append("the job's files are on its agent's machine");
      return roots;
    }
    for (OwnerRow o : s.jobs.owners(job.id())) {
      String uri = s.catalog.job(o.id()).sourceUri();
      var loc = dev.ferry.activities.catalog.ConnectionLocation.parse(uri);
      ConnectionRow c = loc.flatMap(l -> s.connections.find(l.connectionId())).orElse(null);
      if (c == null || !c.kind().equals("local") || c.settings().get("agentId") != null) {
        why.append("the source is ")
            .append(c == null ? uri : c.kind() + " connection '" + c.name() + "'");
        return List.of();
      }
      java.nio.file.Path root = java.nio.file.Path.of(c.settings().get("root"));
      String path = loc.get().path();
      roots.add(
          path.isEmpty()
              ? root
              : root.resolve(
                  dev.ferry.activities.storage.SafePath.require(
                      path, dev.ferry.activities.storage.local.LocalStorage.BACKSLASH_SEPARATOR)));
    }
    return roots;
  }

  @Override
  public FreezeResult applyFreeze(FreezeCall call) {
    JobSpecRow job = job(call.jobId());
    StringBuilder why = new StringBuilder();
    List<java.nio.file.Path> roots = localSources(job, why);
    if (roots.isEmpty()) {
      return new FreezeResult(
          false,
          "Ferry cannot make the source read-only itself ("
              + (why.isEmpty() ? "no owner to freeze" : why)
              + "): the freeze hook or you must keep it unchanged");
    }
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    long files = 0;
    long folders = 0;
    for (java.nio.file.Path root : roots) {
      String key = root.toString();
      try {
        dev.ferry.activities.engine.SourceFreezer.Frozen f =
            dev.ferry.activities.engine.SourceFreezer.freeze(
                root, entries -> cutovers.saveFrozen(job.id(), key, entries), () -> beat(ctx));
        files += f.files();
        folders += f.folders();
      } catch (java.io.IOException | RuntimeException e) {
        return new FreezeResult(
            files + folders > 0 || !cutovers.frozen(job.id()).isEmpty(),
            "Ferry could not make "
                + root
                + " read-only ("
                + e.getMessage()
                + "): make it read-only yourself; what Ferry changed is put back on abort or"
                + " decommission");
      }
    }
    return new FreezeResult(
        true,
        "Ferry removed write permission from "
            + files
            + (files == 1 ? " file and " : " files and ")
            + folders
            + (folders == 1 ? " folder" : " folders")
            + " under "
            + roots.stream()
                .map(Object::toString)
                .collect(java.util.stream.Collectors.joining(", "))
            + " (put back on abort or decommission)");
  }

  @Override
  public FreezeResult undoFreeze(FreezeCall call) {
    JobSpecRow job = job(call.jobId());
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    var frozen = cutovers.frozen(job.id());
    long done = 0;
    for (var e : frozen.entrySet()) {
      try {
        done +=
            dev.ferry.activities.engine.SourceFreezer.restore(
                java.nio.file.Path.of(e.getKey()), e.getValue(), () -> beat(ctx));
      } catch (java.io.IOException ex) {
        // retried by Temporal: the modes stay in the catalog until every one is back
        throw new java.io.UncheckedIOException(
            "could not put back the permissions under " + e.getKey() + ": " + ex.getMessage(), ex);
      }
    }
    cutovers.clearFrozen(job.id());
    return new FreezeResult(
        done > 0,
        "Ferry put back the write permission of " + done + (done == 1 ? " entry" : " entries"));
  }

  private static void beat(ActivityExecutionContext ctx) {
    try {
      ctx.heartbeat(null);
    } catch (RuntimeException e) {
      // the freeze finishes what it started: every change is recorded before it is made
    }
  }

  private String destination(JobSpecRow job) {
    String conn = s.connections.find(job.destConnectionId()).map(ConnectionRow::name).orElse("?");
    return conn + ":/" + job.destPath();
  }

  @Override
  public CutoverStatus.Check verify(VerifyRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    JobSpecRow job = job(request.jobId());
    if (job.agentId() != null) {
      return new CutoverStatus.Check(
          request.number(),
          System.currentTimeMillis(),
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          0,
          "the job's data is moved by an agent, and the verification runs on the server, which"
              + " cannot reach the agent's files yet; compare them with `ferry check` at the agent",
          null);
    }
    long files = 0;
    long bytes = 0;
    List<Cutovers.Difference> all = new ArrayList<>();
    List<Cutovers.VerifiedFile> verified =
        java.util.Collections.synchronizedList(new ArrayList<>());
    Map<String, Long> checkedBy = new java.util.LinkedHashMap<>();
    for (OwnerRow o : s.jobs.owners(job.id())) {
      Long runId =
          s.jdbi.withHandle(
              h ->
                  h.createQuery("select max(id) from runs where job_id = ?")
                      .bind(0, o.id())
                      .mapTo(Long.class)
                      .findOne()
                      .orElse(null));
      if (runId == null) {
        all.add(new Cutovers.Difference(o.sourcePath(), "missing", "the owner never ran"));
        continue;
      }
      JobRow owner = s.catalog.job(o.id());
      RunOptions options = s.catalog.options(runId);
      Map<String, String> renames = new HashMap<>();
      s.jdbi.useHandle(
          h ->
              h.createQuery(
                      "select path, dest_path from run_files where run_id = ? and dest_path is"
                          + " not null")
                  .bind(0, runId)
                  .map((rs, c) -> Map.entry(rs.getString(1), rs.getString(2)))
                  .forEach(e -> renames.put(e.getKey(), e.getValue())));
      String prefix =
          o.implicit() || o.sourcePath() == null || o.sourcePath().isEmpty()
              ? ""
              : o.sourcePath() + "/";
      try (Storage src = storage.open(owner.sourceUri(), options);
          Storage dst = storage.open(owner.destUri(), options)) {
        CheckService.Result r =
            new CheckService()
                .compare(
                    src,
                    dst,
                    renames,
                    Filters.of(options),
                    request.frozenAtMillis(),
                    () -> {
                      try {
                        ctx.heartbeat(null);
                      } catch (RuntimeException e) {
                        // a comparison is read-only: it may end on its own
                      }
                    },
                    v ->
                        verified.add(
                            new Cutovers.VerifiedFile(
                                prefix + v.path(),
                                v.size(),
                                v.mtimeMillis(),
                                v.algorithm(),
                                v.hash(),
                                v.checkedBy())));
        r.checkedBy().forEach((how, n) -> checkedBy.merge(how, n, Long::sum));
        files += r.files();
        bytes += r.bytes();
        Map<String, String> altered = alteredFiles(o.id());
        r.differences()
            .forEach(
                d ->
                    all.add(
                        relabel(
                            new Cutovers.Difference(
                                prefix + d.path(), d.kind(), d.detail(), d.checkedBy()),
                            altered.get(d.path()))));
      }
      ctx.heartbeat(null);
    }
    cutovers.replaceDifferences(job.id(), request.number(), all);
    cutovers.replaceVerified(job.id(), request.number(), verified);
    return new CutoverStatus.Check(
        request.number(),
        System.currentTimeMillis(),
        files,
        bytes,
        all.size() - count(all, ALTERED_ACCEPTED), // listed, yet accepted by the job
        count(all, "missing"),
        count(all, "extra"),
        count(all, "size"),
        count(all, "content"),
        count(all, "changed_since_freeze"),
        null,
        CheckService.summary(checkedBy));
  }

  static final String ALTERED = "altered";
  static final String ALTERED_ACCEPTED = "altered_accepted";

  /**
   * The files of an owner whose last copy the destination stored but altered (a SharePoint
   * library's metadata in Office files), by source path: the detail to list them with, prefixed
   * {@code +} when the job accepted them.
   */
  private Map<String, String> alteredFiles(java.util.UUID ownerJob) {
    Map<String, String> out = new HashMap<>();
    s.jdbi.useHandle(
        h ->
            h.createQuery(
                    """
                    select path, verified_by, size, dest_size, dest_hash, sent_hash from (
                      select distinct on (f.path) f.path, f.outcome, f.verified_by, f.size,
                        f.dest_size, f.dest_hash, f.sent_hash
                      from run_files f join runs r on r.id = f.run_id
                      where r.job_id = ? and not f.folder
                        and f.outcome in ('transferred', 'altered')
                      order by f.path, f.run_id desc) last
                    where outcome = 'altered'""")
                .bind(0, ownerJob)
                .map(
                    (rs, c) ->
                        Map.entry(
                            rs.getString(1),
                            ("altered-accepted".equals(rs.getString(2)) ? "+" : "")
                                + "stored, but altered by the destination when copied: it holds "
                                + rs.getLong(4)
                                + " bytes with hash "
                                + rs.getString(5)
                                + ", "
                                + rs.getLong(3)
                                + " bytes with hash "
                                + rs.getString(6)
                                + " were sent"))
                .forEach(e -> out.put(e.getKey(), e.getValue())));
    return out;
  }

  /**
   * A size or content difference of a file the destination altered when it was copied is listed as
   * {@code altered} (or {@code altered_accepted}, which does not fail the gate) rather than as a
   * copy gone wrong.
   */
  private static Cutovers.Difference relabel(Cutovers.Difference d, String altered) {
    if (altered == null || !(d.kind().equals("size") || d.kind().equals("content"))) {
      return d;
    }
    boolean accepted = altered.startsWith("+");
    return new Cutovers.Difference(
        d.path(),
        accepted ? ALTERED_ACCEPTED : ALTERED,
        (accepted ? altered.substring(1) + "; accepted by the job" : altered)
            + " ("
            + d.kind()
            + ": "
            + d.detail()
            + ")",
        d.checkedBy());
  }

  @Override
  public DeleteResult deleteVerified(DeleteRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    JobSpecRow job = job(request.jobId());
    List<Cutovers.VerifiedFile> files = cutovers.verified(job.id(), request.checkNumber());
    Map<String, String> done = cutovers.decommissions(job.id(), request.checkNumber());
    long deleted = 0;
    long bytes = 0;
    long failed = 0;
    List<String> kept = new ArrayList<>();
    java.util.Set<String> handled = new java.util.HashSet<>();
    for (OwnerRow o : s.jobs.owners(job.id())) {
      Long runId =
          s.jdbi.withHandle(
              h ->
                  h.createQuery("select max(id) from runs where job_id = ?")
                      .bind(0, o.id())
                      .mapTo(Long.class)
                      .findOne()
                      .orElse(null));
      if (runId == null) {
        continue;
      }
      String prefix =
          o.implicit() || o.sourcePath() == null || o.sourcePath().isEmpty()
              ? ""
              : o.sourcePath() + "/";
      JobRow owner = s.catalog.job(o.id());
      RunOptions options = s.catalog.options(runId);
      try (Storage src = storage.open(owner.sourceUri(), options)) {
        for (Cutovers.VerifiedFile f : files) {
          if (!f.path().startsWith(prefix) || !handled.add(f.path())) {
            continue;
          }
          String outcome = done.get(f.path());
          if (outcome == null) {
            outcome = deleteIfUnchanged(src, f.path().substring(prefix.length()), f);
            cutovers.decommissioned(job.id(), request.checkNumber(), f.path(), outcome);
            log.info(
                "cutover of job {}, decommission: {} at the source: {}",
                job.id(),
                f.path(),
                outcome);
          }
          if (outcome.equals("deleted")) {
            deleted++;
            bytes += f.size();
          } else if (outcome.startsWith("kept")) {
            kept.add(f.path());
          } else {
            failed++;
          }
          try {
            ctx.heartbeat(null);
          } catch (RuntimeException e) {
            // the deletion goes on: every file is checked again before it is deleted
          }
        }
      }
    }
    for (Cutovers.VerifiedFile f : files) {
      if (handled.add(f.path())) {
        String outcome = "kept: no owner of the job holds it any more";
        cutovers.decommissioned(job.id(), request.checkNumber(), f.path(), outcome);
        kept.add(f.path());
      }
    }
    StringBuilder b =
        new StringBuilder("deleted ")
            .append(deleted)
            .append(" verified file")
            .append(deleted == 1 ? "" : "s")
            .append(" (")
            .append(String.format(java.util.Locale.ROOT, "%,d bytes", bytes))
            .append(") at the source, as verification ")
            .append(request.checkNumber())
            .append(" found them");
    if (!kept.isEmpty()) {
      b.append("; kept ")
          .append(kept.size())
          .append(" changed or gone since (")
          .append(String.join(", ", kept.subList(0, Math.min(5, kept.size()))))
          .append(kept.size() > 5 ? ", ..." : "")
          .append(")");
    }
    if (failed > 0) {
      b.append("; ").append(failed).append(" could not be deleted (GET .../cutover/verified.csv)");
    }
    b.append("; nothing else was deleted");
    return new DeleteResult(deleted, bytes, kept.size(), failed, b.toString());
  }

  /**
   * Deletes {@code path} at the source when it is still what the verification verified (same size,
   * same hash of its bytes, read again now); says what was done.
   */
  private static String deleteIfUnchanged(Storage src, String path, Cutovers.VerifiedFile f) {
    try {
      var e = src.stat(path);
      if (e.isEmpty() || !e.get().isFile()) {
        return "kept: no longer at the source";
      }
      if (e.get().size() != f.size()) {
        return "kept: changed since the verification ("
            + e.get().size()
            + " bytes, verified with "
            + f.size()
            + ")";
      }
      String now = CheckService.hash(src, path, f.algorithm());
      if (!now.equals(f.hash())) {
        return "kept: changed since the verification ("
            + f.algorithm()
            + " "
            + now
            + ", verified with "
            + f.hash()
            + ")";
      }
      src.delete(path);
      return "deleted";
    } catch (RuntimeException ex) {
      return "failed: " + ex.getMessage();
    }
  }

  private static long count(List<Cutovers.Difference> all, String kind) {
    return all.stream().filter(d -> d.kind().equals(kind)).count();
  }
}
