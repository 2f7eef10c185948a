package dev.ferry.activities.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * What the catalog keeps of a transit cutover (table {@code transits}): whose it is, its two jobs,
 * its PostgreSQL connections, its accounts and its hooks. The workflow keeps the rest.
 */
public final class Transits {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Jdbi jdbi;

  public Transits(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /**
   * One hosting account.
   *
   * @param name its name, unique in the transit
   * @param path its files' folder below both servers' files locations
   * @param databases its PostgreSQL databases' names
   */
  public record Account(String name, String path, List<String> databases) {}

  /**
   * A transit.
   *
   * @param settings freeDays, finalizeDays, monthlyPriceCents (when given)
   */
  public record Row(
      UUID id,
      UUID clientId,
      UUID projectId,
      String name,
      String kind,
      UUID outJobId,
      UUID backJobId,
      UUID serverDatabaseId,
      UUID transitDatabaseId,
      List<Account> accounts,
      Map<String, Long> settings,
      String createdBy,
      Instant createdAt) {}

  public void insert(Handle h, Row r, Map<String, Cutovers.Hook> hooks) {
    h.createUpdate(
            """
            insert into transits (id, client_id, project_id, name, kind, out_job_id, back_job_id,
              server_database_id, transit_database_id, accounts, hooks, settings, created_by)
            values (:id, :client, :project, :name, :kind, :out, :back, :serverDb, :transitDb,
              cast(:accounts as jsonb), cast(:hooks as jsonb), cast(:settings as jsonb), :by)""")
        .bind("id", r.id())
        .bind("client", r.clientId())
        .bind("project", r.projectId())
        .bind("name", r.name())
        .bind("kind", r.kind())
        .bind("out", r.outJobId())
        .bind("back", r.backJobId())
        .bind("serverDb", r.serverDatabaseId())
        .bind("transitDb", r.transitDatabaseId())
        .bind("accounts", json(r.accounts()))
        .bind("hooks", json(hooks))
        .bind("settings", json(r.settings()))
        .bind("by", r.createdBy())
        .execute();
  }

  private static final String COLUMNS =
      "id, client_id, project_id, name, kind, out_job_id, back_job_id, server_database_id,"
          + " transit_database_id, accounts::text, settings::text, created_by, created_at";

  public Optional<Row> find(UUID id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select " + COLUMNS + " from transits where id = ?")
                .bind(0, id)
                .map((rs, c) -> row(rs))
                .findOne());
  }

  /** The transit whose outbound or inbound job this is. */
  public Optional<Row> byJob(UUID jobId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select " + COLUMNS + " from transits where out_job_id = ? or back_job_id = ?")
                .bind(0, jobId)
                .bind(1, jobId)
                .map((rs, c) -> row(rs))
                .findOne());
  }

  /** Transits of a client (every client's when null), newest first. */
  public List<Row> list(UUID clientId, int limit, int offset) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select "
                        + COLUMNS
                        + " from transits where (cast(:client as uuid) is null or client_id ="
                        + " :client) order by created_at desc, id limit :limit offset :offset")
                .bind("client", clientId)
                .bind("limit", limit)
                .bind("offset", offset)
                .map((rs, c) -> row(rs))
                .list());
  }

  /** A hook of the transit (freeze, unfreeze, route), if it has one. */
  public Optional<Cutovers.Hook> hook(UUID id, String which) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select hooks->:w->>'command', hooks->:w->>'url' from transits where id = :id"
                        + " and hooks -> :w is not null")
                .bind("w", which)
                .bind("id", id)
                .map((rs, c) -> new Cutovers.Hook(rs.getString(1), rs.getString(2)))
                .findOne());
  }

  private static Row row(ResultSet rs) throws SQLException {
    try {
      return new Row(
          rs.getObject(1, UUID.class),
          rs.getObject(2, UUID.class),
          rs.getObject(3, UUID.class),
          rs.getString(4),
          rs.getString(5),
          rs.getObject(6, UUID.class),
          rs.getObject(7, UUID.class),
          rs.getObject(8, UUID.class),
          rs.getObject(9, UUID.class),
          JSON.readValue(rs.getString(10), new TypeReference<List<Account>>() {}),
          JSON.readValue(rs.getString(11), new TypeReference<Map<String, Long>>() {}),
          rs.getString(12),
          rs.getTimestamp(13).toInstant());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable transit row " + rs.getObject(1), e);
    }
  }

  private static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
