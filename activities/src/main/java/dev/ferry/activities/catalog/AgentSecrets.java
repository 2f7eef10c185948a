package dev.ferry.activities.catalog;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Connection secrets shared with agents. An agent holds its own key (given once, at registration)
 * and never the master key. For every connection that a job assigned to an agent uses, the server
 * keeps a copy of the secret sealed under that agent's key; {@link #sync} brings the copies in line
 * after jobs, assignments or secrets change (copies no longer needed are deleted). The server hands
 * an agent the sealed copies ({@link #sealedFor}, through the data-plane API); on the agent, {@link
 * #resolver} opens them. Thread-safe.
 */
public final class AgentSecrets {
  private final Jdbi jdbi;

  public AgentSecrets(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  static String keyBinding(UUID agentId) {
    return "agent:" + agentId;
  }

  /** Server side: re-seals what each agent needs, under {@code master}. */
  public void sync(SecretBox master) {
    record Need(UUID agent, byte[] agentKey, UUID conn, byte[] secret) {}
    jdbi.useTransaction(
        h -> {
          List<Need> needs =
              h.createQuery(
                      """
                      select distinct a.id, a.key_sealed, c.id, c.secret
                      from jobs j join agents a on a.id = j.agent_id
                        join connections c on c.id in (j.source_connection_id, j.dest_connection_id)
                      where j.parent_job_id is null and c.secret is not null
                        and exists(select 1 from api_tokens t
                                   where t.agent_id = a.id and t.revoked_at is null)""")
                  .map(
                      (rs, ctx) ->
                          new Need(
                              rs.getObject(1, UUID.class),
                              rs.getBytes(2),
                              rs.getObject(3, UUID.class),
                              rs.getBytes(4)))
                  .list();
          h.execute("delete from agent_connection_secrets");
          for (Need n : needs) {
            SecretBox agentBox = SecretBox.ofKey(master.open(n.agentKey(), keyBinding(n.agent())));
            byte[] plain = master.open(n.secret(), n.conn().toString());
            h.execute(
                "insert into agent_connection_secrets(agent_id, connection_id, sealed) values (?, ?, ?)",
                n.agent(),
                n.conn(),
                agentBox.seal(plain, n.conn().toString()));
          }
        });
  }

  /**
   * A connection as an agent receives it: kind and settings in the clear, the secret (when it has
   * one) only as the copy sealed under that agent's key — null when it is not shared with the
   * agent.
   */
  public record Sealed(String kind, String settings, boolean hasSecret, byte[] sealed) {}

  /**
   * Server side: the connection {@code id} as agent {@code agentId} may receive it. Only a
   * connection that a job assigned to the agent uses is found.
   */
  public java.util.Optional<Sealed> sealedFor(UUID agentId, UUID id) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                    select c.kind, c.settings::text, c.secret is not null, s.sealed
                    from connections c left join agent_connection_secrets s
                      on s.connection_id = c.id and s.agent_id = :agent
                    where c.id = :id and exists (select 1 from jobs j where j.agent_id = :agent
                      and j.parent_job_id is null
                      and c.id in (j.source_connection_id, j.dest_connection_id))""")
                .bind("agent", agentId)
                .bind("id", id)
                .map(
                    (rs, ctx) ->
                        new Sealed(
                            rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getBytes(4)))
                .findOne());
  }

  /**
   * Agent side: resolves connections with the secrets shared with this agent, fetched by {@code
   * fetch} (the server's data-plane API; empty when the connection is not the agent's) and opened
   * with the agent's own key.
   */
  public static java.util.function.Function<UUID, ResolvedConnection> resolver(
      java.util.function.Function<UUID, java.util.Optional<Sealed>> fetch, byte[] key) {
    SecretBox agentBox = SecretBox.ofKey(key);
    return id -> {
      Sealed raw =
          fetch
              .apply(id)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "connection "
                              + id
                              + " does not exist or is not used by a job assigned to this agent"));
      Map<String, String> secret = Map.of();
      if (raw.hasSecret()) {
        if (raw.sealed() == null) {
          throw new IllegalArgumentException(
              "the secret of connection "
                  + id
                  + " is not shared with this agent: is the job assigned to it?");
        }
        secret =
            Connections.parse(
                new String(agentBox.open(raw.sealed(), id.toString()), StandardCharsets.UTF_8));
      }
      return new ResolvedConnection(id, raw.kind(), Connections.parse(raw.settings()), secret);
    };
  }
}
