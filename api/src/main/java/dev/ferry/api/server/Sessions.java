package dev.ferry.api.server;

import dev.ferry.activities.catalog.SecretBox;
import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.UnauthorizedResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * The dashboard's sign-in sessions, kept in no server's memory: the cookie holds the token it was
 * signed in with, its expiry and its CSRF token, sealed (AES-GCM) under the server's master key, so
 * every server of one database opens it, nothing in the browser can read or alter it, and a revoked
 * token ends its sessions at once (each request authenticates the token again, as a bearer token
 * is). A request authenticated by the cookie that changes anything must carry the session's CSRF
 * token in {@value #CSRF_HEADER} (the synchronizer pattern: the dashboard reads it from {@code GET
 * /ui/session}); the cookie is {@code HttpOnly} and {@code SameSite=Strict}.
 */
final class Sessions {
  static final String COOKIE = "ferry_session";
  static final String CSRF_HEADER = "X-Ferry-CSRF";
  static final Duration LIFETIME = Duration.ofHours(12);
  private static final String BOUND_TO = "ferry-dashboard-session";
  private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** One signed-in browser: the token it signed in with, until when, and its CSRF token. */
  record Session(String token, Instant expiresAt, String csrf) {}

  private final SecretBox box;

  Sessions(SecretBox box) {
    this.box = box;
  }

  Session create(String token, Instant now) {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return new Session(
        token, now.plus(LIFETIME), Base64.getUrlEncoder().withoutPadding().encodeToString(b));
  }

  String seal(Session s) {
    String plain = s.expiresAt().getEpochSecond() + "\n" + s.csrf() + "\n" + s.token();
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(box.seal(plain.getBytes(StandardCharsets.UTF_8), BOUND_TO));
  }

  /**
   * The session of this request's cookie; empty without one.
   *
   * @throws UnauthorizedResponse when the cookie does not open (altered, another key) or expired
   */
  Optional<Session> of(Context ctx) {
    String cookie = ctx.cookie(COOKIE);
    if (cookie == null || cookie.isEmpty()) {
      return Optional.empty();
    }
    Session s;
    try {
      String plain =
          new String(
              box.open(Base64.getUrlDecoder().decode(cookie), BOUND_TO), StandardCharsets.UTF_8);
      String[] parts = plain.split("\n", 3);
      s = new Session(parts[2], Instant.ofEpochSecond(Long.parseLong(parts[0])), parts[1]);
    } catch (RuntimeException e) {
      throw new UnauthorizedResponse("the dashboard session is not valid; sign in again");
    }
    if (!Instant.now().isBefore(s.expiresAt())) {
      throw new UnauthorizedResponse("the dashboard session has expired; sign in again");
    }
    return Optional.of(s);
  }

  /**
   * Throws 403 unless a request that changes something carries the session's CSRF token (a page of
   * another site can make the browser send the cookie, never read the token).
   */
  static void requireCsrf(Context ctx, Session s) {
    if (SAFE.contains(ctx.method().name())) {
      return;
    }
    String sent = ctx.header(CSRF_HEADER);
    if (sent == null
        || !MessageDigest.isEqual(
            sent.getBytes(StandardCharsets.UTF_8), s.csrf().getBytes(StandardCharsets.UTF_8))) {
      throw new ForbiddenResponse(
          "a request signed in by the dashboard's cookie that changes something needs the"
              + " session's CSRF token in the "
              + CSRF_HEADER
              + " header (API clients send 'Authorization: Bearer <token>' instead)");
    }
  }

  /** The {@code Set-Cookie} value of a session ({@code null}: the cookie removed). */
  static String setCookie(Context ctx, String sealed, Duration maxAge) {
    boolean https =
        "https".equalsIgnoreCase(ctx.scheme())
            || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
    return COOKIE
        + "="
        + (sealed == null ? "" : sealed)
        + "; Path=/; Max-Age="
        + maxAge.toSeconds()
        + "; HttpOnly; SameSite=Strict"
        + (https ? "; Secure" : "");
  }
}
