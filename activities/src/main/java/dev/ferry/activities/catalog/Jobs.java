package dev.ferry.activities.catalog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Jobs of the API and their owners. A job is a {@code jobs} row with a project; each owner is a
 * {@code jobs} row with the job as parent, whose source and destination URIs are {@link
 * ConnectionLocation}s, so the engine and the workflow run an owner exactly as they run a job of
 * {@code ferry migrate}. A job that lists no owners has one implicit owner (seq 0) for its whole
 * source. Owners removed from a job are retired, not deleted: past reports keep their rows.
 * Thread-safe; methods taking a {@link Handle} join the caller's transaction.
 */
public final class Jobs {
  private static final String COLUMNS =
      """
      j.id, j.project_id, p.client_id, j.name, j.source_connection_id, j.source_path,
      j.dest_connection_id, j.dest_path, j.options::text as options, j.agent_id,
      job_state(j.id) as state, j.created_at, j.updated_at""";

  private final Jdbi jdbi;

  public Jobs(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /**
   * An owner as given: name (may be null), source and destination sub-paths.
   *
   * @param sourcePath below the job's source path ({@code ""} for all of it)
   * @param destPath below the job's destination path
   */
  public record OwnerSpec(String name, String sourcePath, String destPath) {}

  /** Filters of {@link #list}; null fields do not filter. */
  public record Filter(UUID clientId, UUID projectId, String state, int limit, int offset) {}

  public void insert(Handle h, JobSpecRow job, List<OwnerSpec> owners) {
    h.createUpdate(
            """
            insert into jobs(id, name, source_uri, dest_uri, project_id, source_connection_id,
              source_path, dest_connection_id, dest_path, options, agent_id)
            values (:id, :name, :src, :dst, :project, :srcConn, :srcPath, :dstConn, :dstPath,
              cast(:options as jsonb), :agent)""")
        .bind("id", job.id())
        .bind("name", job.name())
        .bind("src", job.source().uri())
        .bind("dst", job.dest().uri())
        .bind("project", job.projectId())
        .bind("srcConn", job.sourceConnectionId())
        .bind("srcPath", job.source().path())
        .bind("dstConn", job.destConnectionId())
        .bind("dstPath", job.dest().path())
        .bind("options", job.options())
        .bind("agent", job.agentId())
        .execute();
    replaceOwners(h, job, owners);
  }

  /** Updates what a job's owners inherit too (source, destination) and its own fields. */
  public void update(Handle h, JobSpecRow job) {
    h.createUpdate(
            """
            update jobs set name = :name, source_uri = :src, dest_uri = :dst,
              source_connection_id = :srcConn, source_path = :srcPath,
              dest_connection_id = :dstConn, dest_path = :dstPath, options = cast(:options as jsonb),
              agent_id = :agent, updated_at = now()
            where id = :id""")
        .bind("id", job.id())
        .bind("name", job.name())
        .bind("src", job.source().uri())
        .bind("dst", job.dest().uri())
        .bind("srcConn", job.sourceConnectionId())
        .bind("srcPath", job.source().path())
        .bind("dstConn", job.destConnectionId())
        .bind("dstPath", job.dest().path())
        .bind("options", job.options())
        .bind("agent", job.agentId())
        .execute();
    for (OwnerRow o : owners(h, job.id())) {
      h.execute(
          "update jobs set source_uri = ?, dest_uri = ?, updated_at = now() where id = ?",
          job.source().resolve(o.sourcePath()).uri(),
          job.dest().resolve(o.destPath()).uri(),
          o.id());
    }
  }

  /**
   * Makes the job's active owners exactly {@code owners} (the implicit whole-source owner when the
   * list is empty). An owner whose source path is already there keeps its id, and so its manifest
   * and incremental runs; owners no longer listed are retired.
   */
  public void replaceOwners(Handle h, JobSpecRow job, List<OwnerSpec> owners) {
    replaceOwners(
        h,
        job.id(),
        job.name(),
        src -> job.source().resolve(src).uri(),
        dst -> job.dest().resolve(dst).uri(),
        owners);
  }

  /**
   * Makes the owners of a job of {@code ferry migrate} (source and destination URIs, no
   * connections) exactly {@code owners}, each below {@code sourceUri} and {@code destUri}; as
   * {@link #replaceOwners(Handle, JobSpecRow, List)} otherwise: an owner keeps its id, and so its
   * manifest, while its source path stays.
   */
  public void replaceOwners(UUID jobId, String sourceUri, String destUri, List<OwnerSpec> owners) {
    jdbi.useTransaction(
        h -> {
          h.execute("select id from jobs where id = ? for update", jobId);
          replaceOwners(
              h, jobId, "owner", src -> below(sourceUri, src), dst -> below(destUri, dst), owners);
        });
  }

  /**
   * Gives a job of {@code ferry migrate} that ran as itself (before its runs were job runs of one
   * owner) the manifest of its earlier runs: the job's own manifest rows move to its implicit owner
   * {@code ownerId} when the owner has none yet, so its first job run stays incremental. Returns
   * how many rows moved.
   */
  public int adoptManifest(UUID jobId, UUID ownerId) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                    """
                    update manifest set job_id = :owner where job_id = :job
                      and not exists (select 1 from manifest where job_id = :owner)""")
                .bind("owner", ownerId)
                .bind("job", jobId)
                .execute());
  }

  private static String below(String uri, String path) {
    if (path.isEmpty()) {
      return uri;
    }
    return (uri.endsWith("/") ? uri : uri + "/") + path;
  }

  private void replaceOwners(
      Handle h,
      UUID jobId,
      String jobName,
      java.util.function.UnaryOperator<String> sourceUri,
      java.util.function.UnaryOperator<String> destUri,
      List<OwnerSpec> owners) {
    List<OwnerSpec> wanted =
        owners.isEmpty() ? List.of(new OwnerSpec(null, "", "")) : List.copyOf(owners);
    boolean implicit = owners.isEmpty();
    Map<String, UUID> existing = new HashMap<>();
    h.createQuery(
            "select id, source_path, owner_seq from jobs where parent_job_id = ? and retired_at is null")
        .bind(0, jobId)
        .map(
            (rs, ctx) -> {
              String key = (rs.getInt(3) == 0 ? "0:" : "1:") + rs.getString(2);
              existing.put(key, rs.getObject(1, UUID.class));
              return null;
            })
        .list();
    List<UUID> keep = new ArrayList<>();
    int seq = implicit ? 0 : 1;
    for (OwnerSpec o : wanted) {
      String src = ConnectionLocation.normalize(o.sourcePath());
      String dst = ConnectionLocation.normalize(o.destPath());
      String key = (implicit ? "0:" : "1:") + src;
      // a retired owner with the same source comes back with its history
      UUID id = existing.get(key);
      if (id == null) {
        id =
            h.createQuery(
                    """
                    select id from jobs where parent_job_id = ? and source_path = ?
                      and (owner_seq = 0) = ? order by updated_at desc limit 1""")
                .bind(0, jobId)
                .bind(1, src)
                .bind(2, implicit)
                .mapTo(UUID.class)
                .findOne()
                .orElse(null);
      }
      String name = o.name() != null ? o.name() : jobName;
      String srcUri = sourceUri.apply(src);
      String dstUri = destUri.apply(dst);
      if (id == null) {
        id = UUID.randomUUID();
        h.execute(
            """
            insert into jobs(id, name, source_uri, dest_uri, parent_job_id, owner_seq, source_path,
              dest_path)
            values (?, ?, ?, ?, ?, ?, ?, ?)""",
            id,
            name,
            srcUri,
            dstUri,
            jobId,
            seq,
            src,
            dst);
      } else {
        h.execute(
            """
            update jobs set name = ?, source_uri = ?, dest_uri = ?, owner_seq = ?, dest_path = ?,
              retired_at = null, updated_at = now()
            where id = ?""",
            name,
            srcUri,
            dstUri,
            seq,
            dst,
            id);
      }
      keep.add(id);
      seq++;
    }
    h.createUpdate(
            """
            update jobs set retired_at = now() where parent_job_id = :job and retired_at is null
              and id <> all(:keep)""")
        .bind("job", jobId)
        .bind("keep", keep.toArray(new UUID[0]))
        .execute();
  }

  public Optional<JobSpecRow> find(UUID id) {
    return jdbi.withHandle(h -> find(h, id));
  }

  public Optional<JobSpecRow> find(Handle h, UUID id) {
    return h.createQuery(
            "select "
                + COLUMNS
                + " from jobs j join projects p on p.id = j.project_id where j.id = ?"
                + " and j.parent_job_id is null")
        .bind(0, id)
        .map((rs, ctx) -> row(rs))
        .findOne();
  }

  /** The jobs of the API whose source or destination is the connection {@code connectionId}. */
  public List<JobSpecRow> using(UUID connectionId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select "
                        + COLUMNS
                        + " from jobs j join projects p on p.id = j.project_id"
                        + " where j.parent_job_id is null"
                        + " and (j.source_connection_id = :c or j.dest_connection_id = :c)"
                        + " order by j.created_at, j.id")
                .bind("c", connectionId)
                .map((rs, ctx) -> row(rs))
                .list());
  }

  /** Jobs of the API, newest first, filtered. */
  public List<JobSpecRow> list(Filter f) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select * from (select "
                        + COLUMNS
                        + """
                         from jobs j join projects p on p.id = j.project_id
                        where j.parent_job_id is null
                          and (cast(:client as uuid) is null or p.client_id = :client)
                          and (cast(:project as uuid) is null or j.project_id = :project)) s
                        where (cast(:state as text) is null or s.state = :state)
                        order by s.created_at desc, s.id limit :limit offset :offset""")
                .bind("client", f.clientId())
                .bind("project", f.projectId())
                .bind("state", f.state())
                .bind("limit", f.limit())
                .bind("offset", f.offset())
                .map((rs, ctx) -> row(rs))
                .list());
  }

  /** The job's active owners in order. */
  public List<OwnerRow> owners(UUID jobId) {
    return jdbi.withHandle(h -> owners(h, jobId));
  }

  public List<OwnerRow> owners(Handle h, UUID jobId) {
    return h.createQuery(
            """
            select id, parent_job_id, owner_seq, case when owner_seq = 0 then null else name end,
              source_path, dest_path
            from jobs where parent_job_id = ? and retired_at is null order by owner_seq""")
        .bind(0, jobId)
        .map(
            (rs, ctx) ->
                new OwnerRow(
                    rs.getObject(1, UUID.class),
                    rs.getObject(2, UUID.class),
                    rs.getInt(3),
                    rs.getString(4),
                    rs.getString(5),
                    rs.getString(6)))
        .list();
  }

  /** Whether the job has ever run. */
  public boolean hasRuns(UUID jobId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select exists(select 1 from job_runs where job_id = ?)")
                .bind(0, jobId)
                .mapTo(Boolean.class)
                .one());
  }

  /** Deletes a job with its owners, runs, manifests and logs. */
  public void delete(UUID jobId) {
    jdbi.useTransaction(
        h -> {
          // The job's row first, then its owners', as update does: the other order deadlocked
          // with a concurrent PATCH of the same job.
          h.createQuery("select id from jobs where id = ? for update")
              .bind(0, jobId)
              .mapTo(UUID.class)
              .findOne();
          h.execute(
              "delete from runs where job_id in (select id from jobs where parent_job_id = ?)",
              jobId);
          h.execute("delete from jobs where parent_job_id = ?", jobId);
          h.execute("delete from jobs where id = ?", jobId);
        });
  }

  private static JobSpecRow row(ResultSet rs) throws SQLException {
    return new JobSpecRow(
        rs.getObject("id", UUID.class),
        rs.getObject("project_id", UUID.class),
        rs.getObject("client_id", UUID.class),
        rs.getString("name"),
        rs.getObject("source_connection_id", UUID.class),
        rs.getString("source_path"),
        rs.getObject("dest_connection_id", UUID.class),
        rs.getString("dest_path"),
        rs.getString("options"),
        rs.getObject("agent_id", UUID.class),
        rs.getString("state"),
        rs.getTimestamp("created_at").toInstant(),
        rs.getTimestamp("updated_at").toInstant());
  }
}
