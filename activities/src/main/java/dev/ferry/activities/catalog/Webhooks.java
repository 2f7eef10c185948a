package dev.ferry.activities.catalog;

import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * A client's webhooks and their deliveries. A webhook's secret (for the HMAC signature of each
 * body) is shown once, when it is created, and kept sealed under the master key.
 */
public final class Webhooks {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Jdbi jdbi;
  private final SecretBox box;

  public Webhooks(Jdbi jdbi, SecretBox box) {
    this.jdbi = jdbi;
    this.box = box;
  }

  public record Webhook(
      UUID id, UUID clientId, UUID projectId, String url, List<String> events, Instant createdAt) {}

  public record Created(Webhook webhook, String secret) {}

  public record Delivery(
      long id,
      UUID webhookId,
      String event,
      String state,
      int attempts,
      Integer lastStatus,
      String lastError,
      Instant createdAt,
      Instant deliveredAt) {}

  /** What one attempt needs: where, what, and the secret to sign it with. */
  public record Outgoing(long id, String url, String event, String body, byte[] secret) {}

  public Created create(UUID clientId, UUID projectId, String url, List<String> events) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String secret = "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    UUID id = UUID.randomUUID();
    byte[] sealed = box.seal(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8), bound(id));
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    insert into webhooks (id, client_id, project_id, url, events, secret_sealed)
                    values (:id, :client, :project, :url, :events, :sealed)""")
                .bind("id", id)
                .bind("client", clientId)
                .bind("project", projectId)
                .bind("url", url)
                .bind("events", events.toArray(String[]::new))
                .bind("sealed", sealed)
                .execute());
    return new Created(find(id).orElseThrow(), secret);
  }

  private static String bound(UUID webhookId) {
    return "webhook:" + webhookId;
  }

  private static Webhook webhook(ResultSet rs) throws SQLException {
    return new Webhook(
        rs.getObject("id", UUID.class),
        rs.getObject("client_id", UUID.class),
        rs.getObject("project_id", UUID.class),
        rs.getString("url"),
        List.of((String[]) rs.getArray("events").getArray()),
        rs.getTimestamp("created_at").toInstant());
  }

  public Optional<Webhook> find(UUID id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from webhooks where id = :id")
                .bind("id", id)
                .map((rs, ctx) -> webhook(rs))
                .findOne());
  }

  public List<Webhook> list(UUID clientId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from webhooks where client_id = :c order by created_at, id")
                .bind("c", clientId)
                .map((rs, ctx) -> webhook(rs))
                .list());
  }

  public boolean delete(UUID id) {
    return jdbi.withHandle(
        h -> h.createUpdate("delete from webhooks where id = :id").bind("id", id).execute() > 0);
  }

  /** The webhooks of {@code clientId} that asked for {@code event} (all projects, or this one). */
  public List<Webhook> subscribed(UUID clientId, UUID projectId, String event) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select * from webhooks
                    where client_id = :c and :e = any(events)
                      and (project_id is null or project_id = :p)
                    order by id""")
                .bind("c", clientId)
                .bind("p", projectId)
                .bind("e", event)
                .map((rs, ctx) -> webhook(rs))
                .list());
  }

  /** Records a delivery to make; returns its id. */
  public long enqueue(UUID webhookId, String event, String body) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    insert into webhook_deliveries (webhook_id, event, body)
                    values (:w, :e, :b) returning id""")
                .bind("w", webhookId)
                .bind("e", event)
                .bind("b", body)
                .mapTo(Long.class)
                .one());
  }

  /** The delivery to attempt, with its webhook's secret; empty once delivered or deleted. */
  public Optional<Outgoing> outgoing(long deliveryId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select d.id, d.event, d.body, d.state, w.id as webhook_id, w.url, w.secret_sealed
                    from webhook_deliveries d join webhooks w on w.id = d.webhook_id
                    where d.id = :id and d.state = 'pending'""")
                .bind("id", deliveryId)
                .map(
                    (rs, ctx) ->
                        new Outgoing(
                            rs.getLong("id"),
                            rs.getString("url"),
                            rs.getString("event"),
                            rs.getString("body"),
                            box.open(
                                rs.getBytes("secret_sealed"),
                                bound(rs.getObject("webhook_id", UUID.class)))))
                .findOne());
  }

  /** Records an attempt's answer: delivered (2xx) or not, with the status and what went wrong. */
  public void attempted(long deliveryId, Integer status, String error, boolean delivered) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    update webhook_deliveries
                    set attempts = attempts + 1, last_status = :s, last_error = :e,
                        state = case when :ok then 'delivered' else state end,
                        delivered_at = case when :ok then now() else delivered_at end
                    where id = :id""")
                .bind("id", deliveryId)
                .bind("s", status)
                .bind("e", error)
                .bind("ok", delivered)
                .execute());
  }

  public void failed(long deliveryId, String reason) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    update webhook_deliveries set state = 'failed',
                        last_error = coalesce(last_error, :r)
                    where id = :id and state = 'pending'""")
                .bind("id", deliveryId)
                .bind("r", reason)
                .execute());
  }

  public List<Delivery> deliveries(UUID webhookId, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select * from webhook_deliveries where webhook_id = :w
                    order by id desc limit :l""")
                .bind("w", webhookId)
                .bind("l", limit)
                .map(
                    (rs, ctx) ->
                        new Delivery(
                            rs.getLong("id"),
                            rs.getObject("webhook_id", UUID.class),
                            rs.getString("event"),
                            rs.getString("state"),
                            rs.getInt("attempts"),
                            (Integer) rs.getObject("last_status"),
                            rs.getString("last_error"),
                            rs.getTimestamp("created_at").toInstant(),
                            rs.getTimestamp("delivered_at") == null
                                ? null
                                : rs.getTimestamp("delivered_at").toInstant()))
                .list());
  }

  /** An agent that went offline and was not told yet: marks it told (once per absence). */
  public record WentOffline(UUID agentId, UUID clientId, String name, Instant lastSeenAt) {}

  public List<WentOffline> agentsGoneOffline(java.time.Duration window) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    update agents set offline_told_at = now()
                    where last_seen_at is not null
                      and last_seen_at < now() - make_interval(secs => :s)
                      and (offline_told_at is null or offline_told_at < last_seen_at)
                    returning id, client_id, name, last_seen_at""")
                .bind("s", (double) window.toSeconds())
                .map(
                    (rs, ctx) ->
                        new WentOffline(
                            rs.getObject("id", UUID.class),
                            rs.getObject("client_id", UUID.class),
                            rs.getString("name"),
                            rs.getTimestamp("last_seen_at").toInstant()))
                .list());
  }
}
