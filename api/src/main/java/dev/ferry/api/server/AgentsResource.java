package dev.ferry.api.server;

import dev.ferry.activities.catalog.AgentRow;
import dev.ferry.activities.catalog.Agents;
import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.HttpStatus;
import io.javalin.http.NotFoundResponse;
import io.javalin.http.UnauthorizedResponse;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /agents}: registration codes, the exchange of a code for an agent identity, heartbeats and
 * the Online / Offline status they give. A client-scoped token creates codes for, and sees, its own
 * client's agents only.
 */
final class AgentsResource {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(AgentsResource.class);

  /** A registration code: 8 characters, valid 24 hours, usable once. */
  record CodeView(String code, Instant expiresAt, UUID clientId, String name) {}

  /** What an agent gets for its code: who it is and where to work. Token and key shown once. */
  record RegistrationView(
      UUID agentId,
      String name,
      UUID clientId,
      String token,
      String agentKey,
      String taskQueue,
      Map<String, String> temporal) {}

  private final Services s;
  private final RegistrationGuard guard = new RegistrationGuard();

  AgentsResource(Services s) {
    this.s = s;
  }

  void createCode(Context ctx) {
    Http.onlyQuery(ctx);
    Principal p = Auth.principal(ctx);
    Input in = Http.optionalBody(ctx);
    UUID client = in.uuid("clientId", false);
    String name = in.string("name", false, 200);
    if (p.scope() != null) {
      if (client != null && !client.equals(p.scope())) {
        in.error("clientId", "this token can only register agents of its own client");
      }
      client = p.scope();
    } else if (client != null && s.clients.find(client).isEmpty()) {
      in.error("clientId", "no client has this id");
    }
    if (p.kind() == Principal.Kind.AGENT) {
      throw new ForbiddenResponse("an agent token cannot do this");
    }
    in.check();
    Agents.Code c = s.agents.createCode(client, name);
    ctx.status(HttpStatus.CREATED).json(new CodeView(c.code(), c.expiresAt(), client, name));
  }

  void list(Context ctx) {
    Http.onlyQuery(ctx, "clientId");
    Principal p = Auth.principal(ctx);
    UUID client = Http.uuidQuery(ctx, "clientId");
    if (p.scope() != null) {
      client = p.scope();
    }
    Instant now = Instant.now();
    ctx.json(
        Map.of(
            "agents",
            s.agents.list(client).stream()
                .filter(a -> p.operator() || p.sees(a.clientId()))
                .map(a -> Views.Agent.of(a, now))
                .toList()));
  }

  void get(Context ctx) {
    Http.onlyQuery(ctx);
    AgentRow a = visible(ctx);
    ctx.json(Views.Agent.of(a, Instant.now()));
  }

  /** The bearer of this route is the registration code itself. */
  void register(Context ctx) {
    Http.onlyQuery(ctx);
    String code = ctx.attribute(Auth.BEARER_CODE);
    Input in = Http.optionalBody(ctx);
    String hostname = in.string("hostname", false, 255);
    String version = in.string("version", false, 100);
    in.check();
    if (code == null || !Agents.looksLikeCode(code)) {
      throw new UnauthorizedResponse(
          "send the registration code as the bearer token: 'Authorization: Bearer ABCD2345'");
    }
    Instant now = Instant.now();
    String from = ctx.ip();
    Instant locked = guard.lockedUntil(from, now);
    if (locked != null) {
      throw tooMany(ctx, locked, now);
    }
    Optional<Agents.Registered> redeemed = s.agents.redeem(code, hostname, version);
    if (redeemed.isEmpty()) {
      Instant lockedNow = guard.failed(from, now);
      if (lockedNow != null) {
        log.warn(
            "{} wrong registration codes from {} within {} min: registrations from it refused"
                + " until {}",
            RegistrationGuard.MAX_FAILURES,
            from,
            RegistrationGuard.WINDOW.toMinutes(),
            lockedNow);
      }
      throw new UnauthorizedResponse(
          "the registration code is unknown, expired or already used; ask for a new"
              + " one (POST /api/v1/agents/registration-codes)");
    }
    Agents.Registered r = redeemed.get();
    s.syncAgentSecrets();
    Services.AgentEndpoints e = s.endpoints;
    ctx.status(HttpStatus.CREATED)
        .json(
            new RegistrationView(
                r.agent().id(),
                r.agent().name(),
                r.agent().clientId(),
                r.token().token(),
                Base64.getEncoder().encodeToString(r.key()),
                r.agent().taskQueue(),
                Map.of("address", e.temporalAddress(), "namespace", e.temporalNamespace())));
  }

  private static io.javalin.http.TooManyRequestsResponse tooMany(
      Context ctx, Instant until, Instant now) {
    long seconds = Math.max(1, java.time.Duration.between(now, until).toSeconds());
    ctx.header("Retry-After", String.valueOf(seconds));
    return new io.javalin.http.TooManyRequestsResponse(
        "too many wrong registration codes from this address: registrations from it are refused"
            + " for "
            + seconds
            + " s more (Retry-After); check the code (8 characters, valid 24 hours, usable once)");
  }

  /**
   * Revokes an agent (operator, or a token of the agent's client): its tokens stop working at once,
   * so its next heartbeat (within {@code AgentWorker.HEARTBEAT}) or data-plane call is refused and
   * the agent stops; the connection secrets sealed for it are withdrawn. Its jobs stay assigned to
   * it; nothing of theirs moves any more (an activity the agent held when refused may fail, the
   * others wait on its queue) and a run's view says the agent was revoked.
   */
  void revoke(Context ctx) {
    Http.onlyQuery(ctx);
    AgentRow a = visible(ctx);
    if (Auth.principal(ctx).kind() == Principal.Kind.AGENT) {
      throw new ForbiddenResponse("an agent token cannot do this");
    }
    s.agents.revoke(a.id());
    log.info("agent {} ('{}') revoked", a.id(), a.name());
    ctx.json(Views.Agent.of(s.agents.find(a.id()).orElseThrow(), Instant.now()));
  }

  /** An agent reports that it is alive (its own token only). */
  void heartbeat(Context ctx) {
    Http.onlyQuery(ctx);
    Principal p = Auth.principal(ctx);
    UUID id = Http.id(ctx, "agentId");
    if (p.kind() != Principal.Kind.AGENT || !id.equals(p.agentId())) {
      throw new ForbiddenResponse("only the agent itself sends its heartbeat, with its own token");
    }
    Input in = Http.optionalBody(ctx);
    String hostname = in.string("hostname", false, 255);
    String version = in.string("version", false, 100);
    in.check();
    s.agents.heartbeat(id, hostname, version);
    ctx.status(HttpStatus.NO_CONTENT);
  }

  private AgentRow visible(Context ctx) {
    UUID id = Http.id(ctx, "agentId");
    Principal p = Auth.principal(ctx);
    Optional<AgentRow> a = s.agents.find(id);
    if (a.isEmpty()
        || !(p.operator() || (a.get().clientId() != null && p.sees(a.get().clientId())))) {
      throw new NotFoundResponse("agent not found");
    }
    return a.get();
  }
}
