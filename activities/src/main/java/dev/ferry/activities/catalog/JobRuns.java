package dev.ferry.activities.catalog;

import dev.ferry.workflows.JobState;
import dev.ferry.workflows.OwnerRef;
import dev.ferry.workflows.RunMode;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;

/**
 * Runs of API jobs: a job run groups one catalog run per owner. Figures, logs and reports are read
 * across the owners' runs; paths are given relative to the job's source path. Thread-safe.
 */
public final class JobRuns {
  /**
   * SQL: a file's path relative to the job's source path, from owner {@code o} and file {@code f}.
   */
  private static final String JOB_PATH =
      "case when o.source_path = '' then f.path else o.source_path || '/' || f.path end";

  private static final String JOB_DEST_PATH =
      "case when f.dest_path is null then null when coalesce(o.dest_path, '') = '' then f.dest_path"
          + " else o.dest_path || '/' || f.dest_path end";

  private static final String OWNER_NAME = "case when o.owner_seq = 0 then null else o.name end";

  private static final String AGGREGATE =
      """
      select jr.id, jr.job_id, jr.mode, job_run_state(jr.id) as state, jr.started_at,
        case when count(r.id) > 0 and bool_and(r.finished_at is not null)
          then max(r.finished_at) end as finished_at,
        coalesce(sum(r.files_total), 0) as files_total, coalesce(sum(r.bytes_total), 0) as bytes_total,
        coalesce(sum(r.files_to_copy), 0) as files_to_copy,
        coalesce(sum(r.bytes_to_copy), 0) as bytes_to_copy,
        coalesce(sum(r.files_done), 0) as files_done,
        coalesce(sum(r.bytes_done), 0) + coalesce((select sum(i.bytes) from run_inflight i
          where i.run_id in (select x.id from runs x where x.job_run_id = jr.id)), 0) as bytes_done,
        coalesce(sum(r.files_unchanged), 0) as files_unchanged,
        coalesce(sum(r.files_skipped), 0) as files_skipped,
        coalesce(sum(r.files_failed), 0) as files_failed
      from job_runs jr left join runs r on r.job_run_id = jr.id
      """;

  private final Jdbi jdbi;

  public JobRuns(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** A new job run and, per owner (by owner id, in order), the id of its catalog run. */
  public record Created(long jobRunId, Map<UUID, Long> runs) {}

  /**
   * Creates the job run and one catalog run per owner, all with {@code options}, in one transaction
   * — or returns empty when the job has a run that has not ended (checked under a lock on the job,
   * so two requests cannot both start one).
   */
  public Optional<Created> create(
      UUID jobId,
      RunMode mode,
      List<OwnerRow> owners,
      RunOptions options,
      int maxParallel,
      String dataTaskQueue) {
    String json = Catalog.toJson(options);
    return jdbi.inTransaction(
        h -> {
          h.execute("select id from jobs where id = ? for update", jobId);
          boolean active =
              h.createQuery(
                      """
                      select exists(select 1 from job_runs jr join runs r on r.job_run_id = jr.id
                        where jr.job_id = ? and r.finished_at is null)""")
                  .bind(0, jobId)
                  .mapTo(Boolean.class)
                  .one();
          if (active) {
            return Optional.<Created>empty();
          }
          long jr =
              h.createUpdate(
                      """
                      insert into job_runs(job_id, mode, max_parallel, data_task_queue)
                      values (?, ?, ?, ?)""")
                  .bind(0, jobId)
                  .bind(1, mode.name())
                  .bind(2, Math.max(1, maxParallel))
                  .bind(3, dataTaskQueue)
                  .executeAndReturnGeneratedKeys("id")
                  .mapTo(Long.class)
                  .one();
          Map<UUID, Long> runs = new LinkedHashMap<>();
          for (OwnerRow o : owners) {
            long run =
                h.createUpdate(
                        """
                        insert into runs(job_id, mode, options, job_run_id)
                        values (:job, :mode, cast(:options as jsonb), :jr)""")
                    .bind("job", o.id())
                    .bind("mode", mode.name())
                    .bind("options", json)
                    .bind("jr", jr)
                    .executeAndReturnGeneratedKeys("id")
                    .mapTo(Long.class)
                    .one();
            runs.put(o.id(), run);
          }
          return Optional.of(new Created(jr, runs));
        });
  }

  public Optional<JobRunRow> find(UUID jobId, long jobRunId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(AGGREGATE + " where jr.job_id = ? and jr.id = ? group by jr.id")
                .bind(0, jobId)
                .bind(1, jobRunId)
                .map((rs, ctx) -> row(rs))
                .findOne());
  }

  public Optional<JobRunRow> latest(UUID jobId) {
    return list(jobId, 1).stream().findFirst();
  }

  /** The job's runs, newest first. */
  public List<JobRunRow> list(UUID jobId, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    AGGREGATE + " where jr.job_id = ? group by jr.id order by jr.id desc limit ?")
                .bind(0, jobId)
                .bind(1, limit)
                .map((rs, ctx) -> row(rs))
                .list());
  }

  /** Job runs that have not ended, of every job (for the progress sampler). */
  /**
   * How many of a job run's owners have been scanned: until all are, the run's totals are partial
   * (they grow as each owner's scan ends).
   *
   * @param owners the job run's owners
   * @param scanned those whose scan has ended (or whose run has)
   */
  public record ScanProgress(int owners, int scanned) {
    public boolean partial() {
      return scanned < owners;
    }
  }

  public ScanProgress scanProgress(long jobRunId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select count(*),
                           count(*) filter (where finished_at is not null
                                            or state not in ('CREATED', 'SCANNING'))
                    from runs where job_run_id = ?""")
                .bind(0, jobRunId)
                .map((rs, ctx) -> new ScanProgress(rs.getInt(1), rs.getInt(2)))
                .one());
  }

  public List<JobRunRow> active() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    AGGREGATE
                        + " where exists(select 1 from runs x where x.job_run_id = jr.id"
                        + " and x.finished_at is null) group by jr.id")
                .map((rs, ctx) -> row(rs))
                .list());
  }

  /**
   * SQL: an owner run's state in words, from its run {@code r}: {@code queued} (no workflow took it
   * up yet), {@code scanning}, {@code running} (scanned and transferring), {@code paused} while it
   * has not ended; then {@code completed} (a dry run's scan too), {@code completed_with_errors},
   * {@code failed} or {@code cancelled}.
   */
  private static final String OWNER_STATE =
      """
      case when r.finished_at is null then
          case when r.state = 'CREATED' and r.workflow_id is null then 'queued'
            when r.state = 'FAILED' then 'queued' -- an attempt that failed, its rerun to come
            when r.state in ('CREATED', 'SCANNING') then 'scanning'
            when r.state = 'PAUSED' then 'paused'
            else 'running' end
        when r.state in ('COMPLETED', 'READY') then 'completed'
        else lower(r.state) end""";

  /**
   * SQL: an owner run's traffic light once it has ended: {@code red} failed as a whole, {@code
   * green} completed with every file done, {@code yellow} completed with files skipped or failed
   * (in a dry run: files that would be skipped or would fail; the files it would copy count as
   * skipped there, not against it); null while it runs and for a cancelled one.
   */
  private static final String OWNER_LIGHT =
      """
      case when r.finished_at is null then null
        when r.state = 'FAILED' then 'red'
        when r.state in ('COMPLETED', 'COMPLETED_WITH_ERRORS', 'READY') then
          case when r.files_failed > 0
              or r.files_skipped > (case when r.mode = 'DRY_RUN' then r.files_to_copy else 0 end)
            then 'yellow' else 'green' end
        end""";

  /** The owner states, in the order of an owner's life. */
  public static final List<String> OWNER_STATES =
      List.of(
          "queued",
          "scanning",
          "running",
          "paused",
          "completed",
          "completed_with_errors",
          "failed",
          "cancelled");

  /** The traffic lights, best first. */
  public static final List<String> OWNER_LIGHTS = List.of("green", "yellow", "red");

  /** The owners' runs of a job run, in owner order, without counting their items. */
  public List<OwnerRunRow> ownerRuns(long jobRunId) {
    return ownerRuns(jobRunId, false);
  }

  /**
   * The owners' runs of a job run, in owner order; with {@code countItems} the files and folders
   * each scan found are counted (a scan of the run's manifest rows), else items is -1.
   */
  public List<OwnerRunRow> ownerRuns(long jobRunId, boolean countItems) {
    return ownerRuns(jobRunId, countItems, null, null, Integer.MAX_VALUE, 0);
  }

  /**
   * A page of the owners' runs of a job run, in owner order, only those in {@code state} (one of
   * {@link #OWNER_STATES}) and of {@code light} (one of {@link #OWNER_LIGHTS}) when not null; with
   * {@code countItems} the files and folders each scan found are counted for the page's owners.
   */
  public List<OwnerRunRow> ownerRuns(
      long jobRunId, boolean countItems, String state, String light, int limit, long offset) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select p.*, case when :count then (select count(*) from run_files f"
                        + " where f.run_id = p.id) else -1 end as items from (select r.*,"
                        + " o.id as o_id, o.parent_job_id as o_job, o.owner_seq as o_seq,"
                        + " case when o.owner_seq = 0 then null else o.name end as o_name,"
                        + " o.source_path as o_src, o.dest_path as o_dst, "
                        + OWNER_STATE
                        + " as o_state, "
                        + OWNER_LIGHT
                        + """
                         as o_light
                        from runs r join jobs o on o.id = r.job_id
                        where r.job_run_id = :jr) p
                        where (cast(:state as text) is null or p.o_state = :state)
                          and (cast(:light as text) is null or p.o_light = :light)
                        order by p.o_seq, p.id limit :limit offset :offset""")
                .bind("jr", jobRunId)
                .bind("count", countItems)
                .bind("state", state)
                .bind("light", light)
                .bind("limit", limit)
                .bind("offset", offset)
                .map(
                    (rs, ctx) ->
                        new OwnerRunRow(
                            new OwnerRow(
                                rs.getObject("o_id", UUID.class),
                                rs.getObject("o_job", UUID.class),
                                rs.getInt("o_seq"),
                                rs.getString("o_name"),
                                rs.getString("o_src"),
                                rs.getString("o_dst")),
                            Catalog.runRow(rs),
                            rs.getLong("items"),
                            rs.getString("o_state"),
                            rs.getString("o_light")))
                .list());
  }

  /**
   * How many owners a job run has, in all and per state and light (every state and light is there,
   * with 0 when none).
   */
  public record OwnerTotals(long total, Map<String, Long> states, Map<String, Long> lights) {}

  public OwnerTotals ownerTotals(long jobRunId) {
    Map<String, Long> states = new LinkedHashMap<>();
    OWNER_STATES.forEach(x -> states.put(x, 0L));
    Map<String, Long> lights = new LinkedHashMap<>();
    OWNER_LIGHTS.forEach(x -> lights.put(x, 0L));
    long[] total = {0};
    jdbi.useHandle(
        h ->
            h.createQuery(
                    "select o_state, o_light, count(*) as n from (select "
                        + OWNER_STATE
                        + " as o_state, "
                        + OWNER_LIGHT
                        + " as o_light from runs r where r.job_run_id = ?) p"
                        + " group by o_state, o_light")
                .bind(0, jobRunId)
                .map(
                    (rs, ctx) -> {
                      long n = rs.getLong("n");
                      total[0] += n;
                      states.merge(rs.getString("o_state"), n, Long::sum);
                      String light = rs.getString("o_light");
                      if (light != null) {
                        lights.merge(light, n, Long::sum);
                      }
                      return n;
                    })
                .list());
    return new OwnerTotals(total[0], states, lights);
  }

  /**
   * A page of the run log: file outcomes and events of every owner, oldest first. {@code outcome}
   * null for all, else only lines with that outcome or event.
   */
  public List<LogEntry> log(long jobRunId, String outcome, int limit, long offset) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select * from (select coalesce(f.finished_at, r.started_at) as at, "
                        + OWNER_NAME
                        + " as owner, "
                        + JOB_PATH
                        + """
                         as path, f.outcome, f.reason as detail, f.size, f.attempts,
                          0 as kind, r.id as run, f.seq as n
                        from runs r join jobs o on o.id = r.job_id
                          join run_files f on f.run_id = r.id
                        where r.job_run_id = :jr and f.outcome is not null and not f.folder
                        union all
                        select e.at, """
                        + OWNER_NAME
                        + """
                        , case when e.path is null then null
                            when o.source_path = '' then e.path
                            else o.source_path || '/' || e.path end,
                          e.event, e.detail, null, null, 1, r.id, e.id
                        from runs r join jobs o on o.id = r.job_id
                          join run_events e on e.run_id = r.id
                        where r.job_run_id = :jr) l
                        where cast(:outcome as text) is null or l.outcome = :outcome
                        order by at, kind, run, n limit :limit offset :offset""")
                .bind("jr", jobRunId)
                .bind("outcome", outcome)
                .bind("limit", limit)
                .bind("offset", offset)
                .map(
                    (rs, ctx) ->
                        new LogEntry(
                            rs.getTimestamp("at").toInstant(),
                            rs.getString("owner"),
                            rs.getString("path"),
                            rs.getString("outcome"),
                            rs.getString("detail"),
                            (Long) rs.getObject("size", Long.class),
                            (Integer) rs.getObject("attempts", Integer.class)))
                .list());
  }

  /** Streams one report row per file of the job run, by owner and path. */
  public void forEachReportRow(long jobRunId, Consumer<JobReportRow> sink) {
    jdbi.useHandle(
        h ->
            h.createQuery(
                    "select "
                        + OWNER_NAME
                        + " as owner, "
                        + JOB_PATH
                        + " as path, f.size, coalesce(f.outcome, 'pending') as outcome, f.reason,"
                        + " f.sha256, f.verified_by, f.attempts, "
                        + JOB_DEST_PATH
                        + " as dest_path, f.dest_size, f.dest_hash, f.sent_hash"
                        + " from runs r join jobs o on o.id = r.job_id"
                        + " join run_files f on f.run_id = r.id"
                        + " where r.job_run_id = ? and not f.folder"
                        + " order by o.owner_seq, f.path")
                .bind(0, jobRunId)
                .setFetchSize(5000)
                .map((rs, ctx) -> reportRow(rs))
                .useStream(s -> s.forEach(sink)));
  }

  /** What the scan refused: names the destination would refuse, and what could not be read. */
  public enum Problem {
    REFUSED_NAME("f.reason like 'refused:%'"),
    UNREADABLE("f.reason not like 'refused:%'");

    final String sql;

    Problem(String sql) {
      this.sql = sql;
    }
  }

  /** Up to {@code limit} paths of one kind of scan problem. */
  public List<JobReportRow> problems(long jobRunId, Problem kind, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select "
                        + OWNER_NAME
                        + " as owner, "
                        + JOB_PATH
                        + " as path, f.size, coalesce(f.outcome, 'pending') as outcome, f.reason,"
                        + " f.sha256, f.verified_by, f.attempts, "
                        + JOB_DEST_PATH
                        + " as dest_path "
                        + " from runs r join jobs o on o.id = r.job_id"
                        + " join run_files f on f.run_id = r.id"
                        + " where r.job_run_id = ? and f.action = 'REFUSE' and "
                        + kind.sql
                        + " order by o.owner_seq, f.path limit ?")
                .bind(0, jobRunId)
                .bind(1, limit)
                .map((rs, ctx) -> reportRow(rs))
                .list());
  }

  public long countProblems(long jobRunId, Problem kind) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select count(*) from runs r join run_files f on f.run_id = r.id"
                        + " where r.job_run_id = ? and f.action = 'REFUSE' and "
                        + kind.sql)
                .bind(0, jobRunId)
                .mapTo(Long.class)
                .one());
  }

  /**
   * Files deleted at the source since the run before, over a job run's owners: for each owner run
   * whose scan completed, the files the owner's previous completed run (not a dry run) listed and
   * this one did not. Owners without such a previous run count 0.
   */
  public long deletedAtSource(long jobRunId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select coalesce(sum(("
                        + "  select count(*) from run_files p where p.run_id = prev.id"
                        + "  and not p.folder and not exists (select 1 from run_files c"
                        + "    where c.run_id = cur.id and c.path = p.path))), 0)"
                        + " from runs cur cross join lateral ("
                        + "  select pr.id from runs pr where pr.job_id = cur.job_id and pr.id < cur.id"
                        + "  and pr.mode <> 'DRY_RUN'"
                        + "  and pr.state in ('COMPLETED', 'COMPLETED_WITH_ERRORS')"
                        + "  order by pr.id desc limit 1) prev"
                        + " where cur.job_run_id = ? and cur.mode <> 'DRY_RUN'"
                        + " and cur.state in ('COMPLETED', 'COMPLETED_WITH_ERRORS')")
                .bind(0, jobRunId)
                .mapTo(Long.class)
                .one());
  }

  /** What a job run was started with (its parent workflow's input comes from it). */
  public record Control(long id, UUID jobId, RunMode mode, int maxParallel, String dataTaskQueue) {}

  public Optional<Control> control(long jobRunId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select id, job_id, mode, max_parallel, data_task_queue from job_runs"
                        + " where id = ?")
                .bind(0, jobRunId)
                .map(
                    (rs, ctx) ->
                        new Control(
                            rs.getLong("id"),
                            rs.getObject("job_id", UUID.class),
                            RunMode.valueOf(rs.getString("mode")),
                            rs.getInt("max_parallel"),
                            rs.getString("data_task_queue")))
                .findOne());
  }

  /**
   * Up to {@code max} owner runs of a job run with an id above {@code afterRunId} that have not
   * ended, by id (owner runs are created in owner order).
   */
  public List<OwnerRef> unfinishedOwners(long jobRunId, long afterRunId, int max) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select r.job_id, r.id, case when o.owner_seq = 0 then null else o.name end
                      as name
                    from runs r join jobs o on o.id = r.job_id
                    where r.job_run_id = ? and r.id > ? and r.finished_at is null
                    order by r.id limit ?""")
                .bind(0, jobRunId)
                .bind(1, afterRunId)
                .bind(2, max)
                .map(
                    (rs, ctx) ->
                        new OwnerRef(
                            rs.getObject("job_id", UUID.class).toString(),
                            rs.getLong("id"),
                            rs.getString("name")))
                .list());
  }

  /** Records whether the job run's parent workflow is paused (a fact the state shows). */
  public void setPaused(long jobRunId, boolean paused) {
    jdbi.useHandle(h -> h.execute("update job_runs set paused = ? where id = ?", paused, jobRunId));
  }

  /**
   * Ends the owner runs that no workflow took up yet (or waiting for a rerun) as cancelled, and
   * those whose last attempt failed and was left open for a rerun as failed.
   */
  public void cancelUnstarted(long jobRunId) {
    jdbi.useHandle(
        h -> {
          h.execute(
              """
              update runs set finished_at = now()
              where job_run_id = ? and state = 'FAILED' and finished_at is null""",
              jobRunId);
          h.execute(
              """
                update runs set state = ?, message = 'cancelled before it started',
                  finished_at = now()
                where job_run_id = ? and workflow_id is null and finished_at is null""",
              JobState.CANCELLED.name(),
              jobRunId);
        });
  }

  /** An automatic rerun of an owner that failed as a whole. */
  public record RerunRow(
      long runId, int attempt, Instant decidedAt, Instant startsAt, String reason) {}

  /**
   * Records a rerun of an owner's run and sets the run back to waiting for it: not ended (so the
   * job run is not seen ended and no other run of the job starts meanwhile), no workflow yet, its
   * figures cleared until the rerun's scan, and a FULL run's rerun incremental. Idempotent: an
   * attempt already recorded changes nothing.
   */
  public void recordRerun(
      long jobRunId,
      long runId,
      int attempt,
      String reason,
      Instant decidedAt,
      Instant startsAt,
      RunMode mode) {
    jdbi.useTransaction(
        h -> {
          int added =
              h.createUpdate(
                      """
                      insert into owner_reruns(run_id, attempt, decided_at, starts_at, reason)
                      select id, :attempt, :decided, :starts, :reason from runs
                      where id = :run and job_run_id = :jr
                      on conflict do nothing""")
                  .bind("run", runId)
                  .bind("jr", jobRunId)
                  .bind("attempt", attempt)
                  .bind("decided", Timestamp.from(decidedAt))
                  .bind("starts", Timestamp.from(startsAt))
                  .bind("reason", reason)
                  .execute();
          if (added == 0) {
            return;
          }
          String note =
              "rerun "
                  + (attempt - 1)
                  + " of 3 (attempt "
                  + attempt
                  + ") at "
                  + startsAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                  + " after: "
                  + reason;
          h.createUpdate(
                  """
                  update runs set state = 'CREATED', mode = :mode, message = :note,
                    workflow_id = null, finished_at = null,
                    files_total = 0, bytes_total = 0, files_to_copy = 0, bytes_to_copy = 0,
                    files_done = 0, bytes_done = 0, files_unchanged = 0, files_skipped = 0,
                    files_failed = 0, files_finished = 0, bytes_finished = 0
                  where id = :run""")
              .bind("mode", mode.name())
              .bind("note", note)
              .bind("run", runId)
              .execute();
          h.execute("delete from run_inflight where run_id = ?", runId);
          h.execute(
              "update jobs set state = 'CREATED', updated_at = now()"
                  + " where id = (select job_id from runs where id = ?)",
              runId);
          h.execute(
              "insert into run_events(run_id, path, event, detail) values (?, null, 'rerun', ?)",
              runId,
              note);
        });
  }

  /** The reruns of a job run's owners, by owner run, oldest first. */
  public Map<Long, List<RerunRow>> reruns(long jobRunId) {
    Map<Long, List<RerunRow>> out = new LinkedHashMap<>();
    jdbi.useHandle(
        h ->
            h.createQuery(
                    """
                    select x.* from owner_reruns x join runs r on r.id = x.run_id
                    where r.job_run_id = ? order by x.run_id, x.attempt""")
                .bind(0, jobRunId)
                .map(
                    (rs, ctx) ->
                        new RerunRow(
                            rs.getLong("run_id"),
                            rs.getInt("attempt"),
                            rs.getTimestamp("decided_at").toInstant(),
                            rs.getTimestamp("starts_at").toInstant(),
                            rs.getString("reason")))
                .forEach(
                    r -> out.computeIfAbsent(r.runId(), k -> new java.util.ArrayList<>()).add(r)));
    return out;
  }

  /** {@code owners} (of one job run) with their reruns. */
  public List<OwnerRunRow> withReruns(long jobRunId, List<OwnerRunRow> owners) {
    Map<Long, List<RerunRow>> all = reruns(jobRunId);
    if (all.isEmpty()) {
      return owners;
    }
    return owners.stream()
        .map(
            o ->
                new OwnerRunRow(
                    o.owner(),
                    o.run(),
                    o.items(),
                    o.state(),
                    o.light(),
                    all.getOrDefault(o.run().id(), List.of())))
        .toList();
  }

  /** Ends every owner run of a job run that has not ended as failed, with the reason. */
  public void failUnfinished(long jobRunId, String reason) {
    jdbi.useHandle(
        h ->
            h.execute(
                """
                update runs set state = ?, message = ?, finished_at = now()
                where job_run_id = ? and finished_at is null""",
                JobState.FAILED.name(),
                reason,
                jobRunId));
  }

  /** Marks owner runs that never started as failed, with the reason (a failed launch). */
  public void failUnstarted(long jobRunId, String reason) {
    jdbi.useHandle(
        h ->
            h.execute(
                """
                update runs set state = ?, message = ?, finished_at = now()
                where job_run_id = ? and workflow_id is null and finished_at is null""",
                JobState.FAILED.name(),
                reason,
                jobRunId));
  }

  private static JobReportRow reportRow(ResultSet rs) throws SQLException {
    return new JobReportRow(
        rs.getString("owner"),
        rs.getString("path"),
        rs.getLong("size"),
        rs.getString("outcome"),
        rs.getString("reason"),
        rs.getString("sha256"),
        rs.getString("verified_by"),
        rs.getInt("attempts"),
        rs.getString("dest_path"),
        has(rs, "dest_size") ? rs.getObject("dest_size", Long.class) : null,
        has(rs, "dest_hash") ? rs.getString("dest_hash") : null,
        has(rs, "sent_hash") ? rs.getString("sent_hash") : null);
  }

  private static boolean has(ResultSet rs, String column) throws SQLException {
    var md = rs.getMetaData();
    for (int i = 1; i <= md.getColumnCount(); i++) {
      if (md.getColumnLabel(i).equalsIgnoreCase(column)) {
        return true;
      }
    }
    return false;
  }

  private static JobRunRow row(ResultSet rs) throws SQLException {
    Timestamp fin = rs.getTimestamp("finished_at");
    return new JobRunRow(
        rs.getLong("id"),
        rs.getObject("job_id", UUID.class),
        RunMode.valueOf(rs.getString("mode")),
        rs.getString("state"),
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
        rs.getLong("files_failed"));
  }
}
