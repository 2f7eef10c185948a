package dev.ferry.activities.catalog;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** What the catalog keeps of a job's cutover: its hooks, and each verification's differences. */
public final class Cutovers {
  private final Jdbi jdbi;

  public Cutovers(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /**
   * A hook: a command run by {@code sh -c} on the server, or an URL that gets an HTTP POST.
   *
   * @param command the command, or null
   * @param url the URL, or null
   */
  public record Hook(String command, String url) {}

  /**
   * A difference a verification found.
   *
   * @param path the path below the owner's source (the destination's name when only it exists)
   * @param kind missing, extra, size, content, changed_since_freeze, unreadable, altered (a size or
   *     content difference of a file the destination altered when it was copied), altered_accepted
   *     (the same, accepted by the job: listed, not counted against the verification)
   * @param detail what differs (sizes, hashes, times)
   * @param checkedBy for a content difference, how the contents were compared ("sha256 read back",
   *     "md5 read back (S3 ETag differs)"); else null
   */
  public record Difference(
      String path,
      String kind,
      String detail,
      @com.fasterxml.jackson.annotation.JsonInclude(
              com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
          String checkedBy) {
    public Difference(String path, String kind, String detail) {
      this(path, kind, detail, null);
    }
  }

  /**
   * A file a verification found identical on both sides.
   *
   * @param path the path below the job's source (the owner's source folder included)
   * @param size its size
   * @param mtimeMillis its source modification time when verified
   * @param algorithm the hash compared (sha256, md5, quickxor)
   * @param hash that hash of the source's bytes
   * @param checkedBy how it was checked
   */
  public record VerifiedFile(
      String path, long size, long mtimeMillis, String algorithm, String hash, String checkedBy) {}

  /**
   * Keeps the modes of entries below {@code root} before Ferry's freeze changes them; an entry
   * already kept (a second freeze after a failed verification) keeps its first, original mode.
   */
  public void saveFrozen(
      UUID jobId, String root, List<dev.ferry.activities.engine.SourceFreezer.Entry> entries) {
    jdbi.useHandle(
        h -> {
          var b =
              h.prepareBatch(
                  "insert into cutover_frozen (job_id, root, path, mode) values (?, ?, ?, ?)"
                      + " on conflict do nothing");
          for (var e : entries) {
            b.add(jobId, root, e.path(), e.mode());
          }
          b.execute();
        });
  }

  /** The roots Ferry froze for the job, each with the entries it changed. */
  public java.util.Map<String, List<dev.ferry.activities.engine.SourceFreezer.Entry>> frozen(
      UUID jobId) {
    java.util.Map<String, List<dev.ferry.activities.engine.SourceFreezer.Entry>> out =
        new java.util.LinkedHashMap<>();
    jdbi.useHandle(
        h ->
            h.createQuery(
                    "select root, path, mode from cutover_frozen where job_id = ?"
                        + " order by root, length(path) desc, path")
                .bind(0, jobId)
                .map(
                    (rs, c) -> {
                      out.computeIfAbsent(rs.getString(1), k -> new java.util.ArrayList<>())
                          .add(
                              new dev.ferry.activities.engine.SourceFreezer.Entry(
                                  rs.getString(2), rs.getInt(3)));
                      return null;
                    })
                .list());
    return out;
  }

  /** Forgets the modes once they are put back. */
  public void clearFrozen(UUID jobId) {
    jdbi.useHandle(h -> h.execute("delete from cutover_frozen where job_id = ?", jobId));
  }

  /** Stores the job's hooks for its (new) cutover. */
  public void saveHooks(UUID jobId, Hook freeze, Hook switchHook) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    insert into cutovers (job_id, freeze_hook, switch_hook)
                    values (:job, cast(:freeze as jsonb), cast(:switch as jsonb))
                    on conflict (job_id) do update
                      set freeze_hook = excluded.freeze_hook, switch_hook = excluded.switch_hook,
                          created_at = now()""")
                .bind("job", jobId)
                .bind("freeze", json(freeze))
                .bind("switch", json(switchHook))
                .execute());
  }

  /** The job's freeze or switch hook, if it has one. */
  public Optional<Hook> hook(UUID jobId, String which) {
    String column =
        switch (which) {
          case "freeze" -> "freeze_hook";
          case "switch" -> "switch_hook";
          default -> throw new IllegalArgumentException("no hook named " + which);
        };
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select "
                        + column
                        + "->>'command', "
                        + column
                        + "->>'url' from cutovers where job_id = ? and "
                        + column
                        + " is not null")
                .bind(0, jobId)
                .map((rs, ctx) -> new Hook(rs.getString(1), rs.getString(2)))
                .findOne());
  }

  /** Replaces the differences of verification {@code checkNo} (a retried check starts over). */
  public void replaceDifferences(UUID jobId, int checkNo, List<Difference> differences) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate("delete from cutover_differences where job_id = ? and check_no = ?")
              .bind(0, jobId)
              .bind(1, checkNo)
              .execute();
          var batch =
              h.prepareBatch(
                  """
                  insert into cutover_differences
                    (job_id, check_no, path, kind, detail, checked_by)
                  values (?, ?, ?, ?, ?, ?) on conflict do nothing""");
          for (Difference d : differences) {
            batch.add(jobId, checkNo, d.path(), d.kind(), d.detail(), d.checkedBy());
          }
          if (!differences.isEmpty()) {
            batch.execute();
          }
        });
  }

  /** The differences of a verification, by path. */
  public List<Difference> differences(UUID jobId, int checkNo, int limit, int offset) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select path, kind, detail, checked_by from cutover_differences
                    where job_id = ? and check_no = ? order by path, kind limit ? offset ?""")
                .bind(0, jobId)
                .bind(1, checkNo)
                .bind(2, limit)
                .bind(3, offset)
                .map(
                    (rs, ctx) ->
                        new Difference(
                            rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)))
                .list());
  }

  /** Replaces the files verification {@code checkNo} found identical. */
  public void replaceVerified(UUID jobId, int checkNo, List<VerifiedFile> files) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate("delete from cutover_verified where job_id = ? and check_no = ?")
              .bind(0, jobId)
              .bind(1, checkNo)
              .execute();
          for (int from = 0; from < files.size(); from += 1000) {
            var batch =
                h.prepareBatch(
                    """
                    insert into cutover_verified
                      (job_id, check_no, path, size, mtime_millis, algorithm, hash, checked_by)
                    values (?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing""");
            for (VerifiedFile f : files.subList(from, Math.min(files.size(), from + 1000))) {
              batch.add(
                  jobId,
                  checkNo,
                  f.path(),
                  f.size(),
                  f.mtimeMillis(),
                  f.algorithm(),
                  f.hash(),
                  f.checkedBy());
            }
            batch.execute();
          }
        });
  }

  /** Records what a decommission did with a verified file ("deleted", "kept: ..."). */
  public void decommissioned(UUID jobId, int checkNo, String path, String outcome) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    update cutover_verified set decommission = ?, decommissioned_at = now()
                    where job_id = ? and check_no = ? and path = ?""")
                .bind(0, outcome)
                .bind(1, jobId)
                .bind(2, checkNo)
                .bind(3, path)
                .execute());
  }

  /** What decommissions did with the files of verification {@code checkNo}: path → outcome. */
  public java.util.Map<String, String> decommissions(UUID jobId, int checkNo) {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    jdbi.useHandle(
        h ->
            h.createQuery(
                    """
                    select path, decommission from cutover_verified
                    where job_id = ? and check_no = ? and decommission is not null""")
                .bind(0, jobId)
                .bind(1, checkNo)
                .map((rs, ctx) -> java.util.Map.entry(rs.getString(1), rs.getString(2)))
                .forEach(e -> out.put(e.getKey(), e.getValue())));
    return out;
  }

  /** A verified file with what a decommission did with it. */
  public record VerifiedRow(
      String path,
      long size,
      String algorithm,
      String hash,
      String checkedBy,
      String decommission,
      java.time.Instant decommissionedAt) {}

  /** The files verification {@code checkNo} found identical and what decommissions did, by path. */
  public List<VerifiedRow> verifiedRows(UUID jobId, int checkNo) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select path, size, algorithm, hash, checked_by, decommission,
                      decommissioned_at
                    from cutover_verified where job_id = ? and check_no = ? order by path""")
                .bind(0, jobId)
                .bind(1, checkNo)
                .map(
                    (rs, ctx) ->
                        new VerifiedRow(
                            rs.getString(1),
                            rs.getLong(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6),
                            rs.getTimestamp(7) == null ? null : rs.getTimestamp(7).toInstant()))
                .list());
  }

  /** The files verification {@code checkNo} found identical, by path. */
  public List<VerifiedFile> verified(UUID jobId, int checkNo) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select path, size, mtime_millis, algorithm, hash, checked_by
                    from cutover_verified where job_id = ? and check_no = ? order by path""")
                .bind(0, jobId)
                .bind(1, checkNo)
                .map(
                    (rs, ctx) ->
                        new VerifiedFile(
                            rs.getString(1),
                            rs.getLong(2),
                            rs.getLong(3),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6)))
                .list());
  }

  private static String json(Hook h) {
    if (h == null) {
      return null;
    }
    var n = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    if (h.command() != null) {
      n.put("command", h.command());
    }
    if (h.url() != null) {
      n.put("url", h.url());
    }
    return n.toString();
  }
}
