package dev.ferry.activities.engine;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.JobRow;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.catalog.RunRow;
import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import dev.ferry.workflows.RunMode;
import dev.ferry.workflows.ScanResult;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.jdbi.v3.core.Handle;
import org.postgresql.PGConnection;

/**
 * Lists the source and the destination into the manifest and decides, per path, what a run has to
 * do. Nothing is held in memory: listings stream into PostgreSQL through COPY and the decisions are
 * made by SQL over the manifest.
 *
 * <p>Decisions: a file is {@code UNCHANGED} when the job's last verified copy has the same size and
 * modification time and the destination still holds an object of that size; {@code CHECK} when only
 * the time differs and a SHA-256 is known (the transfer hashes the source and sends it only when
 * the content changed); {@code UNCHANGED} also when there is no record but the destination keeps
 * times and holds the same size and time; otherwise {@code COPY}. Unsafe paths, names the
 * destination cannot hold, and paths that could not be read are {@code REFUSE}d and reported as
 * failed. Symbolic links, named pipes, sockets and devices are skipped with the reason, or (links,
 * with {@code links=preserve}) marked {@code LINK} to be recreated; see {@link Links}.
 */
public final class ScanService {
  private final Catalog catalog;
  private final StorageResolver storage;

  public ScanService(Catalog catalog, StorageResolver storage) {
    this.catalog = catalog;
    this.storage = storage;
  }

  /**
   * Scans the run's source and destination. {@code heartbeat} receives the number of paths listed
   * so far, often.
   */
  public ScanResult scan(long runId, LongConsumer heartbeat) {
    RunRow run = catalog.run(runId);
    JobRow job = catalog.job(run.jobId());
    RunOptions options = catalog.options(runId);
    Filters filters = Filters.of(options);
    try (Storage source = storage.open(job.sourceUri(), options);
        Storage dest = storage.open(job.destUri(), options)) {
      source.requireRoot(); // a source that is not there is an error, not an empty migration
      Capabilities caps = dest.capabilities();
      if (options.preserveLinks() && !caps.links()) {
        throw new IllegalArgumentException(Links.preserveRefused(dest.describe()));
      }
      ScanResult result;
      try {
        result =
            catalog
                .jdbi()
                .inTransaction(
                    h -> {
                      h.execute("delete from run_files where run_id = ?", runId);
                      h.execute("delete from dest_files where run_id = ?", runId);
                      boolean dryRun = run.mode() == RunMode.DRY_RUN;
                      long lastSeq =
                          listSource(h, runId, source, dest, options, filters, dryRun, heartbeat);
                      long destFiles = listDestination(h, runId, dest, heartbeat);
                      if (destFiles > 0) { // with nothing at the destination, every file is sent
                        decide(h, runId, run, caps, dest.nameRules().caseInsensitive());
                      }
                      if (dryRun) {
                        // listed as "would transfer"; those the decision set to CHECK say so
                        h.execute(
                            """
                            update run_files
                            set reason = 'dry run: would compare by SHA-256 and send if changed'
                            where run_id = ? and action = 'CHECK'""",
                            runId);
                      }
                      h.execute("delete from dest_files where run_id = ?", runId);
                      return counts(h, runId, lastSeq);
                    });
      } catch (SQLException e) {
        throw new IllegalStateException("cannot record the listing: " + e.getMessage(), e);
      }
      catalog.recordScan(runId, result);
      return result;
    }
  }

  private long listSource(
      Handle h,
      long runId,
      Storage source,
      Storage dest,
      RunOptions options,
      Filters filters,
      boolean dryRun,
      LongConsumer heartbeat)
      throws SQLException {
    PGConnection pg = h.getConnection().unwrap(PGConnection.class);
    AtomicLong seq = new AtomicLong();
    Names names = new Names(dest, options.remapNames());
    try (CopyWriter w =
        new CopyWriter(
            pg.getCopyAPI()
                .copyIn(
                    "copy run_files(run_id, seq, path, folder, size, mtime, action, outcome,"
                        + " reason, dest_path) from stdin with (format csv)"))) {
      SqlSink sink =
          (path, folder, size, mtime, action, outcome, reason, destPath) -> {
            w.row(
                runId,
                seq.incrementAndGet(),
                path,
                folder,
                size,
                mtime,
                action,
                outcome,
                reason,
                destPath);
            if ((seq.get() & 1023) == 0) {
              heartbeat.accept(seq.get());
            }
          };
      Capabilities caps = dest.capabilities();
      source.list(
          options.followLinks(),
          e -> {
            try {
              String problem = SafePath.problem(e.path()).orElse(null);
              if (problem != null) {
                sink.put(
                    safeForReport(e.path()),
                    e.folder(),
                    e.size(),
                    e.mtimeMillis(),
                    "REFUSE",
                    "failed",
                    "refused: " + problem,
                    null);
                return;
              }
              if (!filters.accepts(e)) {
                return;
              }
              if (!e.isFile() && !e.folder()) {
                Links.Row row = Links.decide(e, options.preserveLinks(), names, dryRun);
                sink.put(
                    e.path(),
                    false,
                    0,
                    e.mtimeMillis(),
                    row.action(),
                    row.outcome(),
                    row.reason(),
                    row.destPath());
                return;
              }
              if (e.folder() && !caps.folders()) {
                sink.put(
                    e.path(),
                    true,
                    0,
                    e.mtimeMillis(),
                    "NONE",
                    "skipped",
                    "the destination has no folders",
                    null);
                return;
              }
              Names.Decision d = names.decide(e.path());
              if (d.refusal() != null) {
                sink.put(
                    e.path(),
                    e.folder(),
                    e.size(),
                    e.mtimeMillis(),
                    "REFUSE",
                    "failed",
                    "refused: " + d.refusal(),
                    null);
              } else {
                sink.put(
                    e.path(),
                    e.folder(),
                    e.folder() ? 0 : e.size(),
                    e.mtimeMillis(),
                    e.folder() ? "MKDIR" : "COPY",
                    dryRun ? "skipped" : null,
                    dryRun ? dryRunReason(e.folder(), d.destPath()) : null,
                    d.destPath());
              }
            } catch (SQLException ex) {
              throw new IllegalStateException("cannot record the listing: " + ex.getMessage(), ex);
            }
          },
          p -> {
            try {
              sink.put(safeForReport(p.path()), false, 0, -1, "REFUSE", "failed", p.reason(), null);
            } catch (SQLException ex) {
              throw new IllegalStateException("cannot record the listing: " + ex.getMessage(), ex);
            }
          });
      w.finish();
    }
    if (names.remapped() > 0) {
      refuseCollisions(h, runId);
    }
    if (dest.nameRules().caseInsensitive()) {
      refuseCaseCollisions(h, runId, dest.nameRules().store());
    }
    return seq.get();
  }

  /**
   * On a store that does not tell names apart by case, two source files whose destination names
   * differ only in case would land on one object, the second overwriting the first (and the next
   * run copying them again, in turn). The first of them (in listing order) is copied; the others
   * are refused, naming it. Folders are left alone: theirs merge, which loses nothing.
   */
  private static void refuseCaseCollisions(Handle h, long runId, String store) {
    h.createUpdate(
            """
            update run_files f
            set action = 'REFUSE', outcome = 'failed', dest_path = null,
              reason = 'refused: ' || :store || ' does not tell names apart by case, and '''
                || c.first_path || ''' has the same name'
            from (select lower(coalesce(dest_path, path)) as k, min(seq) as first_seq,
                    (array_agg(path order by seq))[1] as first_path
                  from run_files where run_id = :run and not folder and action <> 'REFUSE'
                  group by 1 having count(*) > 1) c
            where f.run_id = :run and not f.folder and f.action <> 'REFUSE'
              and lower(coalesce(f.dest_path, f.path)) = c.k and f.seq <> c.first_seq""")
        .bind("run", runId)
        .bind("store", store)
        .execute();
  }

  /**
   * Two source paths can remap to one destination name (an {@code a:b} beside an existing {@code
   * a：b}); then every remapped one of them is refused, so that nothing is overwritten.
   */
  private static void refuseCollisions(Handle h, long runId) {
    h.createUpdate(
            """
            update run_files f
            set action = 'REFUSE', outcome = 'failed', dest_path = null,
              reason = 'refused: its remapped name ''' || f.dest_path
                || ''' is also the name of another path of the source'
            from (select coalesce(dest_path, path) as p from run_files where run_id = :run
                  group by 1 having count(*) > 1) c
            where f.run_id = :run and f.dest_path is not null and f.dest_path = c.p""")
        .bind("run", runId)
        .execute();
  }

  private static String dryRunReason(boolean folder, String destPath) {
    return (folder ? "dry run: would create the folder" : "dry run: would transfer")
        + (destPath == null ? "" : " as '" + destPath + "'");
  }

  private static String safeForReport(String path) {
    return path.replace('\0', '\uFFFD');
  }

  /** Lists the destination's files into dest_files and returns how many there are. */
  private static long listDestination(Handle h, long runId, Storage dest, LongConsumer heartbeat)
      throws SQLException {
    PGConnection pg = h.getConnection().unwrap(PGConnection.class);
    AtomicLong n = new AtomicLong();
    try (CopyWriter w =
        new CopyWriter(
            pg.getCopyAPI()
                .copyIn(
                    "copy dest_files(run_id, path, size, mtime) from stdin with (format csv)"))) {
      dest.list(
          (Entry e) -> {
            if (!e.isFile()) { // folders, and links compared when a link is recreated
              return;
            }
            try {
              w.row(runId, e.path(), e.size(), e.mtimeMillis());
            } catch (SQLException ex) {
              throw new IllegalStateException("cannot record the listing: " + ex.getMessage(), ex);
            }
            if ((n.incrementAndGet() & 1023) == 0) {
              heartbeat.accept(n.get());
            }
          },
          p -> {});
      w.finish();
    }
    return n.get();
  }

  private static void decide(
      Handle h, long runId, RunRow run, Capabilities destCaps, boolean caseInsensitive) {
    // where the destination ignores case, it may list a folder under the case it was made with
    String sameDest =
        caseInsensitive
            ? "lower(d.path) = lower(coalesce(f.dest_path, f.path))"
            : "d.path = coalesce(f.dest_path, f.path)";
    if (run.mode() == RunMode.FULL) {
      return; // a full run copies everything again
    }
    h.createUpdate(
            """
            update run_files f set action = 'UNCHANGED', outcome = 'unchanged',
              reason = 'same size and time as the last verified copy',
              sha256 = m.sha256, dest_hash = m.dest_hash, verified_by = m.verified_by
            from manifest m, dest_files d
            where f.run_id = :run and f.action = 'COPY' and m.job_id = :job and m.path = f.path
              and d.run_id = :run and <SAME>
              and m.size = f.size and d.size = f.size and m.mtime = f.mtime""")
        .define("SAME", sameDest)
        .bind("run", runId)
        .bind("job", run.jobId())
        .execute();
    h.createUpdate(
            """
            update run_files f set action = 'CHECK'
            from manifest m, dest_files d
            where f.run_id = :run and f.action = 'COPY' and m.job_id = :job and m.path = f.path
              and d.run_id = :run and <SAME>
              and m.size = f.size and d.size = f.size and m.sha256 is not null""")
        .define("SAME", sameDest)
        .bind("run", runId)
        .bind("job", run.jobId())
        .execute();
    if (destCaps.preservesMtime()) {
      h.createUpdate(
              """
              update run_files f set action = 'UNCHANGED', outcome = 'unchanged',
                reason = 'same size and time at the destination'
              from dest_files d
              where f.run_id = :run and f.action = 'COPY' and d.run_id = :run
                and <SAME>
                and d.size = f.size and abs(d.mtime - f.mtime) < 1000
                and not exists (select 1 from manifest m where m.job_id = :job and m.path = f.path)""")
          .define("SAME", sameDest)
          .bind("run", runId)
          .bind("job", run.jobId())
          .execute();
    }
  }

  private static ScanResult counts(Handle h, long runId, long lastSeq) {
    return h.createQuery(
            """
            select
              count(*) filter (where not folder),
              coalesce(sum(size) filter (where not folder), 0),
              count(*) filter (where not folder and action in ('COPY', 'CHECK', 'LINK')),
              coalesce(sum(size) filter (where not folder and action in ('COPY', 'CHECK')), 0),
              count(*) filter (where outcome = 'unchanged' and not folder),
              count(*) filter (where outcome = 'skipped' and not folder),
              count(*) filter (where outcome = 'failed' and not folder)
            from run_files where run_id = ?""")
        .bind(0, runId)
        .map(
            (rs, ctx) ->
                new ScanResult(
                    rs.getLong(1),
                    rs.getLong(2),
                    rs.getLong(3),
                    rs.getLong(4),
                    rs.getLong(5),
                    rs.getLong(6),
                    rs.getLong(7),
                    lastSeq))
        .one();
  }

  @FunctionalInterface
  private interface SqlSink {
    void put(
        String path,
        boolean folder,
        long size,
        long mtime,
        String action,
        String outcome,
        String reason,
        String destPath)
        throws SQLException;
  }
}
