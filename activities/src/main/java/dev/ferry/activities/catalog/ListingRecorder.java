package dev.ferry.activities.catalog;

import dev.ferry.workflows.RunMode;
import dev.ferry.workflows.ScanResult;
import java.sql.SQLException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;

/**
 * {@link Catalog#recordListing}: a scan's listing streamed into PostgreSQL through COPY, in one
 * transaction, and the decisions made by SQL over the manifest.
 *
 * <p>Decisions: a file is {@code UNCHANGED} when the job's last verified copy has the same size and
 * modification time and the destination still holds an object of that size; {@code CHECK} when only
 * the time differs and a SHA-256 is known (the transfer hashes the source and sends it only when
 * the content changed); {@code UNCHANGED} also when there is no record but the destination keeps
 * times and holds the same size and time; otherwise {@code COPY}.
 */
final class ListingRecorder {
  private ListingRecorder() {}

  static ScanResult record(Jdbi jdbi, RunRow run, Listing.Plan plan, Listing listing) {
    long runId = run.id();
    try {
      return jdbi.inTransaction(
          h -> {
            h.execute("delete from run_files where run_id = ?", runId);
            h.execute("delete from dest_files where run_id = ?", runId);
            boolean dryRun = run.mode() == RunMode.DRY_RUN;
            long lastSeq = listSource(h, runId, listing, plan);
            long destFiles = listDestination(h, runId, listing);
            if (destFiles > 0) { // with nothing at the destination, every file is sent
              decide(h, runId, run, plan);
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
  }

  private static IllegalStateException cannot(SQLException e) {
    return new IllegalStateException("cannot record the listing: " + e.getMessage(), e);
  }

  private static long listSource(Handle h, long runId, Listing listing, Listing.Plan plan)
      throws SQLException {
    PGConnection pg = h.getConnection().unwrap(PGConnection.class);
    long[] seq = {0};
    long remapped;
    try (CopyWriter w =
        new CopyWriter(
            pg.getCopyAPI()
                .copyIn(
                    "copy run_files(run_id, seq, path, folder, size, mtime, action, outcome,"
                        + " reason, dest_path) from stdin with (format csv)"))) {
      remapped =
          listing.source(
              r -> {
                try {
                  w.row(
                      runId,
                      ++seq[0],
                      r.path(),
                      r.folder(),
                      r.size(),
                      r.mtime(),
                      r.action(),
                      r.outcome(),
                      r.reason(),
                      r.destPath());
                } catch (SQLException ex) {
                  throw cannot(ex);
                }
              });
      w.finish();
    }
    if (remapped > 0) {
      refuseCollisions(h, runId);
    }
    if (plan.caseInsensitive()) {
      refuseCaseCollisions(h, runId, plan.store());
    }
    return seq[0];
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

  /** Lists the destination's files into dest_files and returns how many there are. */
  private static long listDestination(Handle h, long runId, Listing listing) throws SQLException {
    PGConnection pg = h.getConnection().unwrap(PGConnection.class);
    long[] n = {0};
    try (CopyWriter w =
        new CopyWriter(
            pg.getCopyAPI()
                .copyIn(
                    "copy dest_files(run_id, path, size, mtime) from stdin with (format csv)"))) {
      listing.destination(
          (path, size, mtime) -> {
            try {
              w.row(runId, path, size, mtime);
            } catch (SQLException ex) {
              throw cannot(ex);
            }
            n[0]++;
          });
      w.finish();
    }
    return n[0];
  }

  private static void decide(Handle h, long runId, RunRow run, Listing.Plan plan) {
    // where the destination ignores case, it may list a folder under the case it was made with
    String sameDest =
        plan.caseInsensitive()
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
              and m.size = f.size and d.size = coalesce(m.dest_size, f.size) and m.mtime = f.mtime""")
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
              and m.size = f.size and d.size = coalesce(m.dest_size, f.size)
              and m.sha256 is not null""")
        .define("SAME", sameDest)
        .bind("run", runId)
        .bind("job", run.jobId())
        .execute();
    if (plan.preservesMtime()) {
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
}
