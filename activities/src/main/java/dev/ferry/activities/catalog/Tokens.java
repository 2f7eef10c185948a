package dev.ferry.activities.catalog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Bearer tokens of the API. A token is {@value #PREFIX} plus 32 random bytes; only its SHA-256 is
 * stored, so the catalog cannot give a token back — it is shown once, when minted. Thread-safe.
 */
public final class Tokens {
  public static final String PREFIX = "fy_";
  private static final String COLUMNS =
      "id, name, client_id, agent_id, created_at, last_used_at, revoked_at";

  private final Jdbi jdbi;

  public Tokens(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** A newly minted token: the row and the token text, which exists nowhere else. */
  public record Minted(TokenRow row, String token) {
    @Override
    public String toString() {
      return "Minted[" + row + "]";
    }
  }

  public Minted mint(String name, UUID clientId, UUID agentId) {
    return jdbi.inTransaction(h -> mint(h, name, clientId, agentId));
  }

  public Minted mint(Handle h, String name, UUID clientId, UUID agentId) {
    String token = Hashing.randomToken(PREFIX);
    UUID id = UUID.randomUUID();
    h.execute(
        "insert into api_tokens(id, name, token_hash, client_id, agent_id) values (?, ?, ?, ?, ?)",
        id,
        name,
        Hashing.sha256(token),
        clientId,
        agentId);
    return new Minted(find(h, id).orElseThrow(), token);
  }

  /** The live (not revoked) token with this text; notes when it was last used (per minute). */
  public Optional<TokenRow> authenticate(String token) {
    if (token == null || !token.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String hash = Hashing.sha256(token);
    return jdbi.withHandle(
        h -> {
          Optional<TokenRow> row =
              h.createQuery(
                      "select "
                          + COLUMNS
                          + " from api_tokens where token_hash = ? and revoked_at is null")
                  .bind(0, hash)
                  .map((rs, ctx) -> row(rs))
                  .findOne();
          row.filter(
                  r ->
                      r.lastUsedAt() == null
                          || r.lastUsedAt().isBefore(Instant.now().minusSeconds(60)))
              .ifPresent(
                  r ->
                      h.execute("update api_tokens set last_used_at = now() where id = ?", r.id()));
          return row;
        });
  }

  public Optional<TokenRow> find(UUID id) {
    return jdbi.withHandle(h -> find(h, id));
  }

  private static Optional<TokenRow> find(Handle h, UUID id) {
    return h.createQuery("select " + COLUMNS + " from api_tokens where id = ?")
        .bind(0, id)
        .map((rs, ctx) -> row(rs))
        .findOne();
  }

  /** Operator and client tokens (not agents'), newest first; {@code clientId} null for all. */
  public List<TokenRow> list(UUID clientId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select "
                        + COLUMNS
                        + " from api_tokens where agent_id is null"
                        + " and (cast(:client as uuid) is null or client_id = :client)"
                        + " order by created_at desc")
                .bind("client", clientId)
                .map((rs, ctx) -> row(rs))
                .list());
  }

  public void revoke(UUID id) {
    jdbi.useHandle(
        h ->
            h.execute(
                "update api_tokens set revoked_at = coalesce(revoked_at, now()) where id = ?", id));
  }

  /** Whether any live operator token exists. */
  public boolean anyOperatorToken() {
    return jdbi.withHandle(Tokens::anyOperatorToken);
  }

  private static boolean anyOperatorToken(Handle h) {
    return h.createQuery(
            "select exists(select 1 from api_tokens where client_id is null"
                + " and agent_id is null and revoked_at is null)")
        .mapTo(Boolean.class)
        .one();
  }

  /**
   * Mints an operator token named {@code name} when there is no live one, under a transaction lock:
   * servers of one database starting at once mint one between them, not one each.
   */
  public java.util.Optional<Minted> mintFirstOperatorToken(String name) {
    return jdbi.inTransaction(
        h -> {
          h.execute("select pg_advisory_xact_lock(hashtext('ferry: first operator token'))");
          return anyOperatorToken(h)
              ? java.util.Optional.<Minted>empty()
              : java.util.Optional.of(mint(h, name, null, null));
        });
  }

  private static TokenRow row(ResultSet rs) throws SQLException {
    return new TokenRow(
        rs.getObject("id", UUID.class),
        rs.getString("name"),
        rs.getObject("client_id", UUID.class),
        rs.getObject("agent_id", UUID.class),
        rs.getTimestamp("created_at").toInstant(),
        instant(rs.getTimestamp("last_used_at")),
        instant(rs.getTimestamp("revoked_at")));
  }

  static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
