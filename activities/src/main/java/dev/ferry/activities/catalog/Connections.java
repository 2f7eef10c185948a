package dev.ferry.activities.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Connections in the catalog: kind, non-secret settings (JSON) and the secret, sealed by a {@link
 * SecretBox} bound to the connection's id. Reads for the API never decrypt; only {@link #resolve}
 * does, for the activity that opens the store. Thread-safe.
 */
public final class Connections {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, String>> MAP = new TypeReference<>() {};
  private static final String COLUMNS =
      "id, client_id, name, kind, settings::text as settings, secret is not null as has_secret,"
          + " created_at, updated_at";

  private final Jdbi jdbi;
  private final SecretBox box;

  public Connections(Jdbi jdbi, SecretBox box) {
    this.jdbi = jdbi;
    this.box = box;
  }

  /** Stores a new connection; {@code secret} empty stores none. */
  public void insert(
      Handle h,
      UUID id,
      UUID clientId,
      String name,
      String kind,
      Map<String, String> settings,
      Map<String, String> secret) {
    h.createUpdate(
            """
            insert into connections(id, client_id, name, kind, settings, secret)
            values (:id, :client, :name, :kind, cast(:settings as jsonb), :secret)""")
        .bind("id", id)
        .bind("client", clientId)
        .bind("name", name)
        .bind("kind", kind)
        .bind("settings", json(settings))
        .bind("secret", seal(id, secret))
        .execute();
  }

  /**
   * Replaces name, kind and settings, and the secret when {@code secret} is not null (an empty map
   * removes it).
   */
  public void update(
      Handle h,
      UUID id,
      String name,
      String kind,
      Map<String, String> settings,
      Map<String, String> secret) {
    h.createUpdate(
            """
            update connections set name = :name, kind = :kind, settings = cast(:settings as jsonb),
              secret = case when :keep then secret else :secret end, updated_at = now()
            where id = :id""")
        .bind("id", id)
        .bind("name", name)
        .bind("kind", kind)
        .bind("settings", json(settings))
        .bind("keep", secret == null)
        .bind("secret", secret == null ? null : seal(id, secret))
        .execute();
  }

  public Optional<ConnectionRow> find(UUID id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select " + COLUMNS + " from connections where id = ?")
                .bind(0, id)
                .map((rs, ctx) -> row(rs))
                .findOne());
  }

  public List<ConnectionRow> list(UUID clientId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select "
                        + COLUMNS
                        + " from connections where client_id = ? order by lower(name)")
                .bind(0, clientId)
                .map((rs, ctx) -> row(rs))
                .list());
  }

  /** Whether a project, a job or a transit cutover (its database servers) still refers to it. */
  public boolean inUse(UUID id) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select exists(select 1 from projects where default_dest_connection_id = :id)
                      or exists(select 1 from jobs
                                where source_connection_id = :id or dest_connection_id = :id)
                      or exists(select 1 from transits
                                where server_database_id = :id or transit_database_id = :id)""")
                .bind("id", id)
                .mapTo(Boolean.class)
                .one());
  }

  public void delete(UUID id) {
    jdbi.useHandle(h -> h.execute("delete from connections where id = ?", id));
  }

  /**
   * The connection with its secret decrypted, for the activity that opens it.
   *
   * @throws IllegalArgumentException when there is no such connection
   */
  public ResolvedConnection resolve(UUID id) {
    record Raw(String kind, String settings, byte[] secret) {}
    Raw raw =
        jdbi.withHandle(
                h ->
                    h.createQuery(
                            "select kind, settings::text, secret from connections where id = ?")
                        .bind(0, id)
                        .map((rs, ctx) -> new Raw(rs.getString(1), rs.getString(2), rs.getBytes(3)))
                        .findOne())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "connection " + id + " does not exist (it was deleted)"));
    Map<String, String> secret =
        raw.secret() == null
            ? Map.of()
            : parse(new String(box.open(raw.secret(), id.toString()), StandardCharsets.UTF_8));
    return new ResolvedConnection(id, raw.kind(), parse(raw.settings()), secret);
  }

  /**
   * Whether this catalog's box opens the connection secrets stored in the database (tried on the
   * newest one): false when they were sealed under another master key, as by a server of the same
   * database with a key of its own. True when none is stored.
   */
  public boolean opensStoredSecrets() {
    record Sealed(UUID id, byte[] secret) {}
    java.util.Optional<Sealed> newest =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "select id, secret from connections where secret is not null"
                            + " order by updated_at desc limit 1")
                    .map((rs, ctx) -> new Sealed(rs.getObject(1, UUID.class), rs.getBytes(2)))
                    .findOne());
    if (newest.isEmpty()) {
      return true;
    }
    try {
      box.open(newest.get().secret(), newest.get().id().toString());
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  private byte[] seal(UUID id, Map<String, String> secret) {
    if (secret == null || secret.isEmpty()) {
      return null;
    }
    return box.seal(json(secret).getBytes(StandardCharsets.UTF_8), id.toString());
  }

  private static ConnectionRow row(ResultSet rs) throws SQLException {
    return new ConnectionRow(
        rs.getObject("id", UUID.class),
        rs.getObject("client_id", UUID.class),
        rs.getString("name"),
        rs.getString("kind"),
        parse(rs.getString("settings")),
        rs.getBoolean("has_secret"),
        rs.getTimestamp("created_at").toInstant(),
        rs.getTimestamp("updated_at").toInstant());
  }

  static Map<String, String> parse(String json) {
    try {
      return JSON.readValue(json, MAP);
    } catch (JsonProcessingException e) {
      // no cause: the parser's message could quote the text, which may be a secret
      throw new IllegalStateException("unreadable connection JSON");
    }
  }

  static String json(Map<String, String> m) {
    try {
      return JSON.writeValueAsString(m == null ? Map.of() : m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
