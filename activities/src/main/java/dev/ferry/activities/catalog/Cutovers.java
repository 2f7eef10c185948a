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
   */
  public record Difference(String path, String kind, String detail) {}

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
                  insert into cutover_differences (job_id, check_no, path, kind, detail)
                  values (?, ?, ?, ?, ?) on conflict do nothing""");
          for (Difference d : differences) {
            batch.add(jobId, checkNo, d.path(), d.kind(), d.detail());
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
                    select path, kind, detail from cutover_differences
                    where job_id = ? and check_no = ? order by path, kind limit ? offset ?""")
                .bind(0, jobId)
                .bind(1, checkNo)
                .bind(2, limit)
                .bind(3, offset)
                .map((rs, ctx) -> new Difference(rs.getString(1), rs.getString(2), rs.getString(3)))
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
