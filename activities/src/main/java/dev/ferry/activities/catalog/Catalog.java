package dev.ferry.activities.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.workflows.BatchRef;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.Progress;
import dev.ferry.workflows.RunMode;
import dev.ferry.workflows.ScanResult;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;

/**
 * The catalog's jobs, runs and per-file manifest on PostgreSQL. Thread-safe; every method is one
 * short transaction.
 */
public final class Catalog implements RunCatalog {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Jdbi jdbi;

  public Catalog(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** Closes the connection pool, when the catalog was opened by {@link Database#open}. */
  public void close() {
    Database.close(jdbi);
  }

  public Jdbi jdbi() {
    return jdbi;
  }

  // ---- jobs -------------------------------------------------------------------------------

  /** The job that moves {@code source} to {@code dest}, created when there is none. */
  public UUID findOrCreateJob(String name, String source, String dest) {
    return jdbi.inTransaction(
        h -> {
          h.execute("select pg_advisory_xact_lock(hashtext(?))", source + "\n" + dest);
          Optional<UUID> found =
              h.createQuery(
                      "select id from jobs where source_uri = ? and dest_uri = ? order by created_at limit 1")
                  .bind(0, source)
                  .bind(1, dest)
                  .mapTo(UUID.class)
                  .findOne();
          if (found.isPresent()) {
            return found.get();
          }
          UUID id = UUID.randomUUID();
          h.execute(
              "insert into jobs(id, name, source_uri, dest_uri) values (?, ?, ?, ?)",
              id,
              name,
              source,
              dest);
          return id;
        });
  }

  @Override
  public JobRow job(UUID id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select id, name, source_uri, dest_uri, state from jobs where id = ?")
                .bind(0, id)
                .map(
                    (rs, ctx) ->
                        new JobRow(
                            rs.getObject(1, UUID.class),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getString(5)))
                .one());
  }

  // ---- runs -------------------------------------------------------------------------------

  public long createRun(UUID jobId, RunMode mode, RunOptions options) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                    "insert into runs(job_id, mode, options) values (:job, :mode, cast(:options as jsonb))")
                .bind("job", jobId)
                .bind("mode", mode.name())
                .bind("options", toJson(options))
                .executeAndReturnGeneratedKeys("id")
                .mapTo(Long.class)
                .one());
  }

  public void setWorkflowId(long runId, String workflowId) {
    jdbi.useHandle(
        h -> h.execute("update runs set workflow_id = ? where id = ?", workflowId, runId));
  }

  /** Records the workflow of a run unless one is recorded already. */
  @Override
  public void recordWorkflowId(long runId, String workflowId) {
    jdbi.useHandle(
        h ->
            h.execute(
                "update runs set workflow_id = coalesce(workflow_id, ?) where id = ?",
                workflowId,
                runId));
  }

  /** The latest run of a job that has not ended, if any (a run cut off by a crash). */
  public Optional<RunRow> unfinishedRun(UUID jobId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select * from runs where job_id = ? and finished_at is null order by id desc limit 1")
                .bind(0, jobId)
                .map((rs, ctx) -> runRow(rs))
                .findOne());
  }

  @Override
  public RunRow run(long runId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from runs where id = ?")
                .bind(0, runId)
                .map((rs, ctx) -> runRow(rs))
                .one());
  }

  @Override
  public UUID jobOf(long runId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select job_id from runs where id = ?")
                .bind(0, runId)
                .mapTo(UUID.class)
                .one());
  }

  @Override
  public RunOptions options(long runId) {
    String json =
        jdbi.withHandle(
            h ->
                h.createQuery("select options::text from runs where id = ?")
                    .bind(0, runId)
                    .mapTo(String.class)
                    .one());
    try {
      return JSON.readValue(json, RunOptions.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("run " + runId + " has unreadable options", e);
    }
  }

  @Override
  public void setState(long runId, JobState state, String message) {
    jdbi.useTransaction(
        h -> {
          h.execute(
              "update runs set state = ?, message = coalesce(?, message) where id = ?",
              state.name(),
              message,
              runId);
          h.execute(
              "update jobs set state = ?, updated_at = now() where id = (select job_id from runs where id = ?)",
              state.name(),
              runId);
        });
  }

  /**
   * Records one batch's work in flight: {@code bytes} read so far of files not finished yet and one
   * of their names. A batch with nothing in flight has no row. A new attempt of a batch replaces
   * the row of the one before, so bytes of an attempt that did not finish are not counted twice.
   */
  @Override
  public void setInFlight(long runId, long batchFrom, long bytes, String file) {
    jdbi.useHandle(
        h -> {
          if (bytes == 0 && file == null) {
            h.execute(
                "delete from run_inflight where run_id = ? and batch_from = ?", runId, batchFrom);
          } else {
            h.execute(
                """
                insert into run_inflight(run_id, batch_from, bytes, file) values (?, ?, ?, ?)
                on conflict (run_id, batch_from) do update set bytes = excluded.bytes,
                  file = excluded.file, updated_at = now()""",
                runId,
                batchFrom,
                bytes,
                file);
          }
        });
  }

  /** Folders of a run that could not be created, or whose names the destination refused. */
  public long failedFolders(long runId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select count(*) from run_files where run_id = ? and folder"
                        + " and outcome = 'failed'")
                .bind(0, runId)
                .mapTo(Long.class)
                .one());
  }

  /** What the batches of a run have in flight: bytes read of unfinished files, and one of them. */
  public record InFlight(long bytes, String file) {
    public static final InFlight NONE = new InFlight(0, null);
  }

  public InFlight inFlight(long runId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select coalesce(sum(bytes), 0) as bytes,
                      (array_agg(file order by bytes desc) filter (where file is not null))[1]
                        as file
                    from run_inflight where run_id = ?""")
                .bind(0, runId)
                .map((rs, ctx) -> new InFlight(rs.getLong("bytes"), rs.getString("file")))
                .one());
  }

  @Override
  public ScanResult recordListing(long runId, Listing.Plan plan, Listing listing) {
    ScanResult result = ListingRecorder.record(jdbi, run(runId), plan, listing);
    recordScan(runId, result);
    return result;
  }

  @Override
  public List<String> folders(long runId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select path from run_files where run_id = ? and folder
                    order by length(path) - length(replace(path, '/', '')) desc, path desc""")
                .bind(0, runId)
                .mapTo(String.class)
                .list());
  }

  /** Records the scan's totals on the run. */
  public void recordScan(long runId, dev.ferry.workflows.ScanResult r) {
    jdbi.useHandle(
        h ->
            h.execute(
                """
                update runs set files_total = ?, bytes_total = ?, files_to_copy = ?, bytes_to_copy = ?,
                  files_unchanged = ?, files_skipped = ?, files_failed = ?, files_done = 0, bytes_done = 0,
                  files_finished = 0, bytes_finished = 0
                where id = ?""",
                r.files(),
                r.bytes(),
                r.filesToTransfer(),
                r.bytesToTransfer(),
                r.unchanged(),
                r.skipped(),
                r.failed(),
                runId));
  }

  /** Final figures, counted file by file from the manifest, and the run marked as ended. */
  @Override
  public Progress finish(long runId, JobState state, String message) {
    return jdbi.inTransaction(
        h -> {
          h.createUpdate(
                  """
                  update runs r set
                    state = case when :state = 'COMPLETED' and c.failed_any > 0
                      then 'COMPLETED_WITH_ERRORS' else :state end,
                    message = :message, finished_at = now(),
                    files_done = c.done, bytes_done = c.done_bytes, files_unchanged = c.unchanged,
                    files_skipped = c.skipped, files_failed = c.failed
                  from (select
                      count(*) filter (where (outcome = 'transferred' or (outcome = 'altered'
                        and verified_by = 'altered-accepted')) and not folder) as done,
                      coalesce(sum(size) filter (where (outcome = 'transferred' or (outcome =
                        'altered' and verified_by = 'altered-accepted')) and not folder), 0)
                        as done_bytes,
                      count(*) filter (where outcome = 'unchanged' and not folder) as unchanged,
                      count(*) filter (where outcome = 'skipped' and not folder) as skipped,
                      count(*) filter (where outcome = 'failed' and not folder) as failed,
                      count(*) filter (where outcome = 'failed' or (outcome = 'altered'
                        and verified_by is distinct from 'altered-accepted')) as failed_any
                    from run_files where run_id = :run) c
                  where r.id = :run""")
              .bind("state", state.name())
              .bind("message", message)
              .bind("run", runId)
              .execute();
          h.execute("delete from run_inflight where run_id = ?", runId);
          h.execute(
              "update jobs j set state = r.state, updated_at = now() from runs r"
                  + " where r.id = ? and j.id = r.job_id",
              runId);
          return h.createQuery("select * from runs where id = ?")
              .bind(0, runId)
              .map((rs, ctx) -> toProgress(runRow(rs)))
              .one();
        });
  }

  static Progress toProgress(RunRow r) {
    return new Progress(
        r.state(),
        r.filesTotal(),
        r.bytesTotal(),
        r.filesToCopy(),
        r.bytesToCopy(),
        r.filesDone(),
        r.bytesDone(),
        r.filesUnchanged(),
        r.filesSkipped(),
        r.filesFailed(),
        0,
        r.message());
  }

  /** A run from a {@code select * from runs} row. */
  static RunRow runRow(ResultSet rs) throws SQLException {
    Timestamp fin = rs.getTimestamp("finished_at");
    return new RunRow(
        rs.getLong("id"),
        rs.getObject("job_id", UUID.class),
        RunMode.valueOf(rs.getString("mode")),
        JobState.valueOf(rs.getString("state")),
        rs.getString("workflow_id"),
        rs.getString("message"),
        rs.getTimestamp("started_at").toInstant(),
        fin == null ? null : fin.toInstant(),
        rs.getLong("files_total"),
        rs.getLong("bytes_total"),
        rs.getLong("files_to_copy"),
        rs.getLong("bytes_to_copy"),
        rs.getLong("files_done"),
        rs.getLong("bytes_done"),
        rs.getLong("files_unchanged"),
        rs.getLong("files_skipped"),
        rs.getLong("files_failed"),
        rs.getLong("files_finished"),
        rs.getLong("bytes_finished"));
  }

  // ---- plan and transfer ------------------------------------------------------------------

  /**
   * Cuts pending files above {@code afterSeq} into up to {@code max} batches of at most {@code
   * maxFiles} files or {@code maxBytes} bytes; a file larger than {@code maxBytes} goes alone.
   */
  public List<BatchRef> nextBatches(
      long runId, long afterSeq, int max, int maxFiles, long maxBytes) {
    return nextBatches(runId, afterSeq, Long.MAX_VALUE, max, maxFiles, maxBytes);
  }

  /** As {@link #nextBatches(long, long, int, int, long)}, for files with {@code seq <= toSeq}. */
  public List<BatchRef> nextBatches(
      long runId, long afterSeq, long toSeq, int max, int maxFiles, long maxBytes) {
    List<BatchRef> out = new ArrayList<>();
    long[] cur = {afterSeq, afterSeq, 0, 0}; // from, to, files, bytes
    jdbi.useHandle(
        h ->
            h.createQuery(
                    """
                    select seq, size from run_files
                    where run_id = ? and seq > ? and seq <= ? and outcome is null
                    order by seq limit ?""")
                .bind(0, runId)
                .bind(1, afterSeq)
                .bind(2, toSeq)
                .bind(3, max * maxFiles)
                .setFetchSize(5000)
                .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2)})
                .useStream(
                    rows ->
                        rows.forEach(
                            row -> {
                              if (out.size() >= max) {
                                return;
                              }
                              if (cur[2] > 0
                                  && (cur[2] >= maxFiles || cur[3] + row[1] > maxBytes)) {
                                out.add(new BatchRef(runId, cur[0], cur[1], cur[2], cur[3]));
                                cur[0] = cur[1];
                                cur[2] = 0;
                                cur[3] = 0;
                              }
                              if (out.size() < max) {
                                cur[1] = row[0];
                                cur[2]++;
                                cur[3] += row[1];
                              }
                            })));
    if (cur[2] > 0 && out.size() < max) {
      out.add(new BatchRef(runId, cur[0], cur[1], cur[2], cur[3]));
    }
    return out;
  }

  /** Files of a batch that have no outcome yet. */
  @Override
  public List<FileRow> pendingFiles(long runId, long fromSeq, long toSeq) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select f.seq, f.path, f.folder, f.size, f.mtime, f.action, m.sha256, f.dest_path
                    from run_files f
                    left join manifest m on m.job_id = (select job_id from runs where id = :run)
                      and m.path = f.path and f.action = 'CHECK'
                    where f.run_id = :run and f.seq > :from and f.seq <= :to and f.outcome is null
                    order by f.seq""")
                .bind("run", runId)
                .bind("from", fromSeq)
                .bind("to", toSeq)
                .map(
                    (rs, ctx) ->
                        new FileRow(
                            rs.getLong(1),
                            rs.getString(2),
                            rs.getBoolean(3),
                            rs.getLong(4),
                            rs.getLong(5),
                            rs.getString(6),
                            rs.getString(7),
                            rs.getString(8)))
                .list());
  }

  /** Records a file's final outcome in the run and, when verified, in the job's manifest. */
  public void recordOutcome(
      long runId,
      FileRow f,
      String outcome,
      String reason,
      String sha256,
      String destHash,
      String verifiedBy,
      int attempts) {
    recordOutcome(runId, f, outcome, reason, sha256, destHash, verifiedBy, attempts, null);
  }

  /**
   * As {@link #recordOutcome(long, FileRow, String, String, String, String, String, int)}, with the
   * bytes of the file the destination accepted in this run ({@code null}: nothing was written).
   */
  public void recordOutcome(
      long runId,
      FileRow f,
      String outcome,
      String reason,
      String sha256,
      String destHash,
      String verifiedBy,
      int attempts,
      Long bytesSent) {
    jdbi.useTransaction(
        h -> {
          h.execute(
              """
              update run_files set outcome = ?, reason = ?, sha256 = ?, dest_hash = ?, verified_by = ?,
                attempts = ?, bytes_sent = ?, finished_at = now(), size = ?, mtime = ?
              where run_id = ? and seq = ?""",
              outcome,
              reason,
              sha256,
              destHash,
              verifiedBy,
              attempts,
              bytesSent,
              f.size(),
              f.mtime(),
              runId,
              f.seq());
          if (!f.folder() && ("transferred".equals(outcome) || "unchanged".equals(outcome))) {
            h.execute(
                """
                insert into manifest(job_id, path, size, mtime, sha256, dest_hash, verified_by)
                select job_id, ?, ?, ?, ?, ?, ? from runs where id = ?
                on conflict (job_id, path) do update set size = excluded.size, mtime = excluded.mtime,
                  sha256 = coalesce(excluded.sha256, manifest.sha256),
                  dest_hash = coalesce(excluded.dest_hash, manifest.dest_hash),
                  verified_by = coalesce(excluded.verified_by, manifest.verified_by), updated_at = now()""",
                f.path(),
                f.size(),
                f.mtime(),
                sha256,
                destHash,
                verifiedBy,
                runId);
          }
        });
  }

  /**
   * Records many files' outcomes in one transaction (batched statements), and the verified ones in
   * the job's manifest.
   */
  @Override
  public void recordOutcomes(long runId, List<OutcomeBuffer.Outcome> outcomes) {
    jdbi.useTransaction(
        h -> {
          UUID job =
              h.createQuery("select job_id from runs where id = ?")
                  .bind(0, runId)
                  .mapTo(UUID.class)
                  .one();
          var update =
              h.prepareBatch(
                  """
                  update run_files set outcome = :outcome, reason = :reason, sha256 = :sha,
                    dest_hash = :destHash, verified_by = :verifiedBy, attempts = :attempts,
                    bytes_sent = :bytesSent, finished_at = now(), size = :size, mtime = :mtime,
                    dest_size = :destSize, sent_hash = :sentHash
                  where run_id = :run and seq = :seq and outcome is null""");
          var manifest =
              h.prepareBatch(
                  """
                  insert into manifest(job_id, path, size, mtime, sha256, dest_hash, verified_by,
                    dest_size)
                  values (:job, :path, :size, :mtime, :sha, :destHash, :verifiedBy, :destSize)
                  on conflict (job_id, path) do update set size = excluded.size,
                    mtime = excluded.mtime, sha256 = coalesce(excluded.sha256, manifest.sha256),
                    dest_hash = coalesce(excluded.dest_hash, manifest.dest_hash),
                    verified_by = coalesce(excluded.verified_by, manifest.verified_by),
                    dest_size = case when excluded.verified_by is null
                        or excluded.verified_by = 'sha256' then manifest.dest_size
                      else excluded.dest_size end,
                    updated_at = now()""");
          int inManifest = 0;
          for (OutcomeBuffer.Outcome o : outcomes) {
            FileRow f = o.file();
            update
                .bind("outcome", o.outcome())
                .bind("reason", o.reason())
                .bind("sha", o.sha256())
                .bind("destHash", o.destHash())
                .bind("verifiedBy", o.verifiedBy())
                .bind("attempts", o.attempts())
                .bind("bytesSent", o.bytesSent())
                .bind("size", f.size())
                .bind("mtime", f.mtime())
                .bind("run", runId)
                .bind("seq", f.seq())
                .bind("destSize", o.destSize())
                .bind("sentHash", o.sentHash())
                .add();
            if (o.kept()) {
              manifest
                  .bind("job", job)
                  .bind("path", f.path())
                  .bind("size", f.size())
                  .bind("mtime", f.mtime())
                  .bind("sha", o.sha256())
                  .bind("destHash", o.destHash())
                  .bind("verifiedBy", o.verifiedBy())
                  .bind("destSize", o.destSize())
                  .add();
              inManifest++;
            }
          }
          int[] updated = update.execute();
          // the run's live counters move with the outcomes, in this transaction, and only for
          // files that had none yet: a file finished twice (a batch retried while its first
          // attempt still ran) counts once
          long files = 0;
          long bytes = 0;
          long unchanged = 0;
          long failed = 0;
          long finished = 0;
          long finishedBytes = 0;
          for (int i = 0; i < updated.length; i++) {
            OutcomeBuffer.Outcome o = outcomes.get(i);
            if (updated[i] == 0 || o.file().folder()) {
              continue;
            }
            finished++;
            finishedBytes += o.file().size();
            switch (o.outcome()) {
              case "transferred" -> {
                files++;
                bytes += o.file().size();
              }
              case "unchanged" -> unchanged++;
              case "failed" -> failed++;
              case OutcomeBuffer.ALTERED -> {
                if (OutcomeBuffer.ALTERED_ACCEPTED.equals(o.verifiedBy())) {
                  files++; // accepted: a copy the job keeps
                  bytes += o.file().size();
                }
              }
              default -> {}
            }
          }
          if (finished > 0) {
            h.execute(
                """
                update runs set files_done = files_done + ?, bytes_done = bytes_done + ?,
                  files_unchanged = files_unchanged + ?, files_failed = files_failed + ?,
                  files_finished = files_finished + ?, bytes_finished = bytes_finished + ?
                where id = ?""",
                files,
                bytes,
                unchanged,
                failed,
                finished,
                finishedBytes,
                runId);
          }
          if (inManifest > 0) {
            manifest.execute();
          }
        });
  }

  // ---- resumable uploads -------------------------------------------------------------------

  /** The state a connector saved for an unfinished upload of {@code path} in a job, if any. */
  @Override
  public Optional<String> uploadState(UUID jobId, String path) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select state from uploads where job_id = ? and path = ?")
                .bind(0, jobId)
                .bind(1, path)
                .mapTo(String.class)
                .findOne());
  }

  /** Saves (replaces) the state of an unfinished upload. */
  @Override
  public void saveUploadState(UUID jobId, String path, String state) {
    jdbi.useHandle(
        h ->
            h.execute(
                """
                insert into uploads(job_id, path, state) values (?, ?, ?)
                on conflict (job_id, path) do update set state = excluded.state, updated_at = now()""",
                jobId,
                path,
                state));
  }

  /** Forgets the state of an upload that completed or was abandoned. */
  @Override
  public void clearUploadState(UUID jobId, String path) {
    jdbi.useHandle(
        h -> h.execute("delete from uploads where job_id = ? and path = ?", jobId, path));
  }

  /**
   * Notes on a run that a step of it failed and is being retried: the run's message says so (the
   * API and the CLI show it) and the run log keeps a {@code retry} line.
   */
  @Override
  public void noteRetry(long runId, String note) {
    jdbi.useTransaction(
        h -> {
          h.execute(
              "update runs set message = ? where id = ? and finished_at is null", note, runId);
          h.execute(
              "insert into run_events(run_id, path, event, detail) values (?, null, 'retry', ?)",
              runId,
              note);
        });
  }

  /** Clears a retry note once the step it was about succeeded. */
  @Override
  public void clearRetryNote(long runId) {
    jdbi.useHandle(
        h ->
            h.execute(
                "update runs set message = null where id = ? and finished_at is null"
                    + " and message like '% failed (attempt %'",
                runId));
  }

  @Override
  public void event(long runId, String path, String event, String detail) {
    jdbi.useHandle(
        h ->
            h.execute(
                "insert into run_events(run_id, path, event, detail) values (?, ?, ?, ?)",
                runId,
                path,
                event,
                detail));
  }

  /** Streams a run's report rows in path order. */
  public void forEachReportRow(long runId, Consumer<ReportRow> sink) {
    jdbi.useHandle(
        h ->
            h.createQuery(
                    """
                    select path, size, coalesce(outcome, 'pending'), reason, sha256, verified_by, attempts,
                      bytes_sent, dest_path, dest_size, dest_hash, sent_hash
                    from run_files where run_id = ? and not folder order by path""")
                .bind(0, runId)
                .setFetchSize(5000)
                .map((rs, ctx) -> reportRow(rs))
                .useStream(s -> s.forEach(sink)));
  }

  /**
   * A report row from the columns path, size, outcome, reason, sha256, verified_by, attempts,
   * bytes_sent, dest_path.
   */
  private static ReportRow reportRow(ResultSet rs) throws SQLException {
    return new ReportRow(
        rs.getString(1),
        rs.getLong(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        rs.getInt(7),
        rs.getObject(8, Long.class),
        rs.getString(9),
        rs.getObject(10, Long.class),
        rs.getString(11),
        rs.getString(12));
  }

  /**
   * Up to {@code limit} files of a run the destination stored but altered (outcome {@code
   * altered}), with both sides' size and hash, and how many there are.
   */
  public Renamed altered(long runId, int limit) {
    return jdbi.withHandle(
        h -> {
          List<ReportRow> rows =
              h.createQuery(
                      """
                      select path, size, outcome, reason, sha256, verified_by, attempts, bytes_sent,
                        dest_path, dest_size, dest_hash, sent_hash
                      from run_files where run_id = ? and outcome = 'altered' and not folder
                      order by path limit ?""")
                  .bind(0, runId)
                  .bind(1, limit)
                  .map((rs, ctx) -> reportRow(rs))
                  .list();
          long count =
              h.createQuery(
                      "select count(*) from run_files where run_id = ? and outcome = 'altered'")
                  .bind(0, runId)
                  .mapTo(Long.class)
                  .one();
          return new Renamed(rows, count);
        });
  }

  /** How many of a run's altered files its options accepted. */
  public long alteredAccepted(long runId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select count(*) from run_files where run_id = ? and outcome = 'altered'"
                        + " and verified_by = 'altered-accepted'")
                .bind(0, runId)
                .mapTo(Long.class)
                .one());
  }

  /** Up to {@code limit} failed files of a run with their reasons. */
  public List<ReportRow> failures(long runId, int limit) {
    List<ReportRow> out = new ArrayList<>();
    jdbi.useHandle(
        h ->
            h.createQuery(
                    """
                    select path, size, outcome, reason, sha256, verified_by, attempts, bytes_sent,
                      dest_path, dest_size, dest_hash, sent_hash
                    from run_files where run_id = ? and outcome = 'failed' order by path limit ?""")
                .bind(0, runId)
                .bind(1, limit)
                .map((rs, ctx) -> reportRow(rs))
                .forEach(out::add));
    return out;
  }

  /** Up to {@code limit} paths of a run copied under another name, and how many there are. */
  public Renamed renamed(long runId, int limit) {
    return jdbi.withHandle(
        h -> {
          List<ReportRow> rows =
              h.createQuery(
                      """
                      select path, size, coalesce(outcome, 'pending'), reason, sha256, verified_by,
                        attempts, bytes_sent, dest_path, dest_size, dest_hash, sent_hash
                      from run_files where run_id = ? and dest_path is not null
                      order by path limit ?""")
                  .bind(0, runId)
                  .bind(1, limit)
                  .map((rs, ctx) -> reportRow(rs))
                  .list();
          long count =
              rows.size() < limit
                  ? rows.size()
                  : h.createQuery(
                          "select count(*) from run_files where run_id = ? and dest_path is not null")
                      .bind(0, runId)
                      .mapTo(Long.class)
                      .one();
          return new Renamed(rows, count);
        });
  }

  /** Some of a run's rows (renamed or altered paths), and the count of all of them. */
  public record Renamed(List<ReportRow> rows, long count) {}

  static String toJson(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static Instant now() {
    return Instant.now();
  }
}
