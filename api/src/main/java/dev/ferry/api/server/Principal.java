package dev.ferry.api.server;

import io.javalin.http.ForbiddenResponse;
import io.javalin.http.NotFoundResponse;
import java.util.UUID;

/**
 * Who sent a request. An operator sees everything; a client-scoped token sees only its client's
 * resources (every other resource answers 404, as if it did not exist); an agent's token may only
 * report its own heartbeat.
 *
 * @param tokenId the token's id, or null for FERRY_ADMIN_TOKEN
 */
record Principal(Kind kind, UUID clientId, UUID agentId, UUID tokenId) {
  enum Kind {
    OPERATOR,
    CLIENT,
    AGENT
  }

  static Principal operator(UUID tokenId) {
    return new Principal(Kind.OPERATOR, null, null, tokenId);
  }

  boolean operator() {
    return kind == Kind.OPERATOR;
  }

  /** Whether this principal may see a resource of {@code resourceClient}. */
  boolean sees(UUID resourceClient) {
    return switch (kind) {
      case OPERATOR -> true;
      case CLIENT -> clientId.equals(resourceClient);
      case AGENT -> false;
    };
  }

  /** Throws 404 unless this principal may see a resource of {@code resourceClient}. */
  void requireSees(UUID resourceClient, String what) {
    if (!sees(resourceClient)) {
      throw new NotFoundResponse(what + " not found");
    }
  }

  /** Throws 403 unless this is an operator. */
  void requireOperator() {
    if (!operator()) {
      throw new ForbiddenResponse(
          kind == Kind.CLIENT
              ? "this token is scoped to one client; this needs an operator token"
              : "an agent token cannot do this");
    }
  }

  /** The client a scoped token is limited to, or null for an operator. */
  UUID scope() {
    return kind == Kind.CLIENT ? clientId : null;
  }
}
