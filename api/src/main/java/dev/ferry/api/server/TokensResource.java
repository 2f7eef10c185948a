package dev.ferry.api.server;

import dev.ferry.activities.catalog.TokenRow;
import dev.ferry.activities.catalog.Tokens;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.NotFoundResponse;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * {@code /tokens}: operators mint operator tokens and tokens scoped to one client. A token is shown
 * once, in the response that mints it; the catalog keeps only its SHA-256.
 */
final class TokensResource {
  /** A token as listed: never the token itself. */
  record TokenView(
      UUID id,
      String name,
      UUID clientId,
      String scope,
      Instant createdAt,
      Instant lastUsedAt,
      Instant revokedAt) {
    static TokenView of(TokenRow t) {
      return new TokenView(
          t.id(),
          t.name(),
          t.clientId(),
          t.clientId() == null ? "operator" : "client",
          t.createdAt(),
          t.lastUsedAt(),
          t.revokedAt());
    }
  }

  /** The answer to minting: the only time the token is shown. */
  record MintedView(TokenView tokenInfo, String token) {}

  private final Services s;

  TokensResource(Services s) {
    this.s = s;
  }

  void list(Context ctx) {
    Auth.principal(ctx).requireOperator();
    Http.onlyQuery(ctx, "clientId");
    UUID client = Http.uuidQuery(ctx, "clientId");
    ctx.json(Map.of("tokens", s.tokens.list(client).stream().map(TokenView::of).toList()));
  }

  void create(Context ctx) {
    Http.onlyQuery(ctx);
    Auth.principal(ctx).requireOperator();
    Input in = Http.body(ctx);
    String name = in.string("name", true, 200);
    UUID clientId = in.uuid("clientId", false);
    if (clientId != null && s.clients.find(clientId).isEmpty()) {
      in.error("clientId", "no client has this id");
    }
    in.check();
    Tokens.Minted m = s.tokens.mint(name, clientId, null);
    ctx.status(HttpStatus.CREATED).json(new MintedView(TokenView.of(m.row()), m.token()));
  }

  void revoke(Context ctx) {
    Http.onlyQuery(ctx);
    Auth.principal(ctx).requireOperator();
    UUID id = Http.id(ctx, "tokenId");
    TokenRow t =
        s.tokens
            .find(id)
            .filter(r -> r.agentId() == null)
            .orElseThrow(() -> new NotFoundResponse("token not found"));
    s.tokens.revoke(t.id());
    ctx.status(HttpStatus.NO_CONTENT);
  }
}
