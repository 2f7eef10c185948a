package dev.ferry.api.server;

import dev.ferry.activities.catalog.TokenRow;
import dev.ferry.activities.catalog.Tokens;
import io.javalin.http.Context;
import io.javalin.http.Header;
import io.javalin.http.UnauthorizedResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Authenticates every request by its bearer token: {@code FERRY_ADMIN_TOKEN} (compared in constant
 * time, never stored) or a token of the catalog. The registration route is the one exception to "a
 * token of the catalog": its bearer is the one-time registration code, checked by the route.
 */
final class Auth {
  static final String PRINCIPAL = "ferry.principal";
  static final String BEARER_CODE = "ferry.registration-code";

  private final Tokens tokens;
  private final byte[] adminToken;
  private final Sessions sessions;

  Auth(Tokens tokens, String adminToken) {
    this(tokens, adminToken, null);
  }

  /** With {@code sessions}: a request without a bearer token may come with a dashboard session. */
  Auth(Tokens tokens, String adminToken, Sessions sessions) {
    this.tokens = tokens;
    this.sessions = sessions;
    this.adminToken =
        adminToken == null || adminToken.isBlank()
            ? null
            : adminToken.getBytes(StandardCharsets.UTF_8);
  }

  /** Before-handler of every {@code /api/v1} route. */
  void authenticate(Context ctx) {
    if (sessions != null
        && ctx.header(Header.AUTHORIZATION) == null
        && !ctx.path().equals(Routes.REGISTER)) {
      Optional<Sessions.Session> session = sessions.of(ctx);
      if (session.isPresent()) {
        Sessions.requireCsrf(ctx, session.get());
        ctx.attribute(PRINCIPAL, person(session.get().token()));
        return;
      }
    }
    String bearer = bearer(ctx);
    if (ctx.path().equals(Routes.REGISTER)) {
      ctx.attribute(BEARER_CODE, bearer);
      return;
    }
    Principal p = resolve(bearer);
    if (p.kind() == Principal.Kind.AGENT
        && !ctx.path().equals(Routes.BASE + "/agents/" + p.agentId() + "/heartbeat")
        && !ctx.path().startsWith(Routes.AGENT + "/")) {
      throw new io.javalin.http.ForbiddenResponse(
          "an agent token can only send the agent's heartbeat and use the data plane ("
              + Routes.AGENT
              + "/…)");
    }
    ctx.attribute(PRINCIPAL, p);
  }

  /**
   * The principal of a token a person signs in with: an operator's or a client's; an agent's token
   * (or one no longer valid) is refused.
   */
  Principal person(String token) {
    Principal p = resolve(token);
    if (p.kind() == Principal.Kind.AGENT) {
      throw new io.javalin.http.ForbiddenResponse(
          "an agent token cannot sign in to the dashboard; use an operator or client token");
    }
    return p;
  }

  private Principal resolve(String bearer) {
    if (adminToken != null
        && MessageDigest.isEqual(adminToken, bearer.getBytes(StandardCharsets.UTF_8))) {
      return Principal.operator(null);
    }
    Optional<TokenRow> row = tokens.authenticate(bearer);
    if (row.isEmpty()) {
      throw unauthorized("the bearer token is not valid (unknown or revoked)");
    }
    TokenRow t = row.get();
    if (t.agentId() != null) {
      return new Principal(Principal.Kind.AGENT, null, t.agentId(), t.id());
    }
    if (t.clientId() != null) {
      return new Principal(Principal.Kind.CLIENT, t.clientId(), null, t.id());
    }
    return Principal.operator(t.id());
  }

  private static String bearer(Context ctx) {
    String h = ctx.header(Header.AUTHORIZATION);
    if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7) || h.substring(7).isBlank()) {
      throw unauthorized("send a bearer token: 'Authorization: Bearer <token>'");
    }
    return h.substring(7).trim();
  }

  private static UnauthorizedResponse unauthorized(String message) {
    return new UnauthorizedResponse(message);
  }

  static Principal principal(Context ctx) {
    Principal p = ctx.attribute(PRINCIPAL);
    if (p == null) {
      throw unauthorized("not authenticated");
    }
    return p;
  }
}
