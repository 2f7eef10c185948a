package dev.ferry.activities.catalog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Agents, their one-time registration codes and their heartbeats. A code is {@value #CODE_LENGTH}
 * characters from an alphabet without look-alikes (no 0/O, 1/I/L), valid {@link #CODE_VALIDITY},
 * usable once; only its HMAC-SHA256 under a key derived from the master key is stored (so the
 * catalog alone, without the key, cannot be searched for a code). Redeeming a code creates the
 * agent and its token in one transaction. An agent is revoked when none of its tokens is live.
 * Thread-safe.
 */
public final class Agents {
  public static final String ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
  public static final int CODE_LENGTH = 8;
  public static final Duration CODE_VALIDITY = Duration.ofHours(24);
  private static final String COLUMNS =
      "id, client_id, name, hostname, version, registered_at, last_seen_at,"
          + " (select case when bool_or(t.revoked_at is null) then null else max(t.revoked_at) end"
          + " from api_tokens t where t.agent_id = agents.id) as revoked_at";

  private final Jdbi jdbi;
  private final Tokens tokens;
  private final SecretBox box;
  private final byte[] codeKey;

  public Agents(Jdbi jdbi, Tokens tokens, SecretBox box) {
    this.jdbi = jdbi;
    this.tokens = tokens;
    this.box = box;
    this.codeKey = box.derive("agent registration codes");
  }

  private String codeHash(String code) {
    return Hashing.hmacSha256(codeKey, normalizeCode(code));
  }

  /** A new registration code and when it expires. */
  public record Code(String code, Instant expiresAt, UUID clientId, String agentName) {
    @Override
    public String toString() {
      return "Code[expiresAt=" + expiresAt + ", clientId=" + clientId + "]";
    }
  }

  public Code createCode(UUID clientId, String agentName) {
    String code = Hashing.randomCode(ALPHABET, CODE_LENGTH);
    Instant expires =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        """
                        insert into agent_registration_codes(code_hash, client_id, agent_name, expires_at)
                        values (?, ?, ?, now() + make_interval(secs => ?)) returning expires_at""")
                    .bind(0, codeHash(code))
                    .bind(1, clientId)
                    .bind(2, agentName)
                    .bind(3, (double) CODE_VALIDITY.toSeconds())
                    .mapTo(Instant.class)
                    .one());
    return new Code(code, expires, clientId, agentName);
  }

  /** Codes are typed by people: case, spaces and dashes do not matter. */
  public static String normalizeCode(String code) {
    return code == null ? "" : code.replaceAll("[\\s-]", "").toUpperCase(Locale.ROOT);
  }

  /** Whether {@code code} has the shape of a registration code (it may still be unknown). */
  public static boolean looksLikeCode(String code) {
    String c = normalizeCode(code);
    return c.length() == CODE_LENGTH && c.chars().allMatch(ch -> ALPHABET.indexOf(ch) >= 0);
  }

  /**
   * An agent created from a code, with its token and its key (both shown once): the key opens the
   * connection secrets shared with the agent.
   */
  public record Registered(AgentRow agent, Tokens.Minted token, byte[] key) {
    @Override
    public String toString() {
      return "Registered[" + agent + "]";
    }
  }

  /**
   * Redeems a code: creates the agent and its token, and marks the code used — or returns empty
   * when the code is unknown, expired or already used.
   */
  public Optional<Registered> redeem(String code, String hostname, String version) {
    String hash = codeHash(code);
    return jdbi.inTransaction(
        h -> {
          record Pending(UUID clientId, String name) {}
          Optional<Pending> p =
              h.createQuery(
                      """
                      select client_id, agent_name from agent_registration_codes
                      where code_hash = ? and used_at is null and expires_at > now() for update""")
                  .bind(0, hash)
                  .map((rs, ctx) -> new Pending(rs.getObject(1, UUID.class), rs.getString(2)))
                  .findOne();
          if (p.isEmpty()) {
            return Optional.empty();
          }
          UUID id = UUID.randomUUID();
          String name =
              p.get().name() != null
                  ? p.get().name()
                  : (hostname != null && !hostname.isBlank() ? hostname : "agent " + id);
          byte[] key = new byte[32];
          new java.security.SecureRandom().nextBytes(key);
          h.execute(
              """
              insert into agents(id, client_id, name, hostname, version, key_sealed)
              values (?, ?, ?, ?, ?, ?)""",
              id,
              p.get().clientId(),
              name,
              hostname,
              version,
              box.seal(key, AgentSecrets.keyBinding(id)));
          h.execute(
              "update agent_registration_codes set used_at = now(), agent_id = ? where code_hash = ?",
              id,
              hash);
          Tokens.Minted t = tokens.mint(h, "agent " + name, null, id);
          AgentRow agent =
              h.createQuery("select " + COLUMNS + " from agents where id = ?")
                  .bind(0, id)
                  .map((rs, ctx) -> row(rs))
                  .one();
          return Optional.of(new Registered(agent, t, key));
        });
  }

  public void heartbeat(UUID agentId, String hostname, String version) {
    jdbi.useHandle(
        h ->
            h.execute(
                """
                update agents set last_seen_at = now(), hostname = coalesce(?, hostname),
                  version = coalesce(?, version)
                where id = ?""",
                hostname,
                version,
                agentId));
  }

  /**
   * Revokes an agent: its tokens (the API refuses them from now on, so its heartbeats and
   * data-plane calls fail and it stops) and the connection secrets sealed for it, in one
   * transaction. True when the agent exists.
   */
  public boolean revoke(UUID agentId) {
    return jdbi.inTransaction(
        h -> {
          if (h.createQuery("select 1 from agents where id = ? for update")
              .bind(0, agentId)
              .mapTo(Integer.class)
              .findOne()
              .isEmpty()) {
            return false;
          }
          h.execute(
              "update api_tokens set revoked_at = coalesce(revoked_at, now()) where agent_id = ?",
              agentId);
          h.execute("delete from agent_connection_secrets where agent_id = ?", agentId);
          return true;
        });
  }

  public Optional<AgentRow> find(UUID id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select " + COLUMNS + " from agents where id = ?")
                .bind(0, id)
                .map((rs, ctx) -> row(rs))
                .findOne());
  }

  /** Agents of one client ({@code clientId} given) or all of them (null), by name. */
  public List<AgentRow> list(UUID clientId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select "
                        + COLUMNS
                        + " from agents where cast(:client as uuid) is null or client_id = :client"
                        + " order by lower(name), registered_at")
                .bind("client", clientId)
                .map((rs, ctx) -> row(rs))
                .list());
  }

  /** Whether a job is assigned to the agent and may use the connection. */
  public boolean mayUseConnection(UUID agentId, UUID connectionId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select exists(select 1 from jobs where agent_id = :agent
                      and (source_connection_id = :conn or dest_connection_id = :conn))""")
                .bind("agent", agentId)
                .bind("conn", connectionId)
                .mapTo(Boolean.class)
                .one());
  }

  private static AgentRow row(ResultSet rs) throws SQLException {
    return new AgentRow(
        rs.getObject("id", UUID.class),
        rs.getObject("client_id", UUID.class),
        rs.getString("name"),
        rs.getString("hostname"),
        rs.getString("version"),
        rs.getTimestamp("registered_at").toInstant(),
        Tokens.instant(rs.getTimestamp("last_seen_at")),
        Tokens.instant(rs.getTimestamp("revoked_at")));
  }
}
