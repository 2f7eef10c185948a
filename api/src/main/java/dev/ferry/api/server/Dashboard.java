package dev.ferry.api.server;

import io.javalin.config.JavalinConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.UnauthorizedResponse;
import io.javalin.http.staticfiles.Location;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operator's dashboard at {@code /}: static pages and small JavaScript modules (in {@code
 * src/main/resources/dev/ferry/api/dashboard}) that read and steer everything through the JSON API
 * under {@code /api/v1}, plus the three routes of its sign-in: {@code POST /ui/login} (a token in,
 * a sealed {@code HttpOnly; SameSite=Strict} cookie out, see {@link Sessions}), {@code GET
 * /ui/session} (who is signed in, the CSRF token, the Temporal UI's address) and {@code POST
 * /ui/logout}. The API itself stays as it is: a request with a bearer token never looks at the
 * cookie.
 */
final class Dashboard {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Dashboard.class);
  static final String UI = "/ui";

  /** The pages' Content-Security-Policy: nothing from elsewhere, no inline script. */
  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

  private final Services s;
  private final Auth auth;
  private final Sessions sessions;
  private final String temporalUi;
  private final String namespace;

  /**
   * @param temporalUi the Temporal Web UI's address (the local dev server's, or {@code
   *     FERRY_TEMPORAL_UI_URL}), or null
   */
  Dashboard(Services s, Auth auth, Sessions sessions, String temporalUi, String namespace) {
    this.s = s;
    this.auth = auth;
    this.sessions = sessions;
    this.temporalUi = webAddress(temporalUi);
    this.namespace = namespace;
  }

  /** An http(s) address without its trailing slash; null for none or anything else. */
  static String webAddress(String url) {
    if (url == null || url.isBlank()) {
      return null;
    }
    String u = url.trim();
    if (!u.regionMatches(true, 0, "http://", 0, 7) && !u.regionMatches(true, 0, "https://", 0, 8)) {
      log.warn("FERRY_TEMPORAL_UI_URL is not an http(s) address ({}): no Temporal UI links", u);
      return null;
    }
    return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
  }

  /**
   * Refuses a sign-in sent by another site's page (a login CSRF would sign the browser in with the
   * attacker's token): the browser says so in {@code Sec-Fetch-Site}, or an {@code Origin} that is
   * not this server's.
   */
  private static void requireSameOrigin(Context ctx) {
    String site = ctx.header("Sec-Fetch-Site");
    String origin = ctx.header("Origin");
    boolean crossSite = "cross-site".equalsIgnoreCase(site);
    if (!crossSite && origin != null && !origin.equals("null")) {
      // behind a proxy that rewrites Host, the host the browser asked for is X-Forwarded-Host
      String asked = origin.replaceFirst("^[a-zA-Z]+://", "");
      crossSite =
          !asked.equals(ctx.header("Host")) && !asked.equals(ctx.header("X-Forwarded-Host"));
    } else if ("null".equals(origin)) {
      crossSite = true;
    }
    if (crossSite) {
      throw new io.javalin.http.ForbiddenResponse(
          "sign in from the dashboard's own page, not from another site's");
    }
  }

  /** The pages, served from the classpath with headers that keep them to this origin. */
  static void staticFiles(JavalinConfig cfg) {
    cfg.staticFiles.add(
        sf -> {
          sf.hostedPath = "/";
          sf.directory = "/dev/ferry/api/dashboard";
          sf.location = Location.CLASSPATH;
          sf.headers =
              Map.of(
                  "Content-Security-Policy", CSP,
                  "X-Content-Type-Options", "nosniff",
                  "Referrer-Policy", "no-referrer",
                  "X-Frame-Options", "DENY",
                  "Cache-Control", "no-cache");
        });
  }

  void declare(RoutesConfig r) {
    r.post(UI + "/login", this::login);
    r.get(UI + "/session", this::session);
    r.post(UI + "/logout", this::logout);
  }

  /** {@code {"token": "fy_…"}}: checks it as the API would and sets the session's cookie. */
  void login(Context ctx) {
    Http.onlyQuery(ctx);
    requireSameOrigin(ctx);
    Input in = Http.body(ctx);
    String token = in.string("token", true, 500);
    in.check();
    Principal p;
    try {
      p = auth.person(token.trim());
    } catch (UnauthorizedResponse e) {
      throw new UnauthorizedResponse("this token is not valid (unknown or revoked)");
    }
    Sessions.Session session = sessions.create(token.trim(), Instant.now());
    ctx.header("Set-Cookie", Sessions.setCookie(ctx, sessions.seal(session), Sessions.LIFETIME));
    ctx.header("Cache-Control", "no-store");
    ctx.json(view(p, session));
  }

  /** Who is signed in; 401 without a session (the page then shows its sign-in form). */
  void session(Context ctx) {
    Http.onlyQuery(ctx);
    Sessions.Session session =
        sessions.of(ctx).orElseThrow(() -> new UnauthorizedResponse("not signed in"));
    Principal p;
    try {
      p = auth.person(session.token());
    } catch (UnauthorizedResponse e) {
      ctx.header("Set-Cookie", Sessions.setCookie(ctx, null, Duration.ZERO));
      throw new UnauthorizedResponse(
          "the token this session was signed in with is no longer valid (revoked); sign in again");
    }
    ctx.header("Cache-Control", "no-store");
    ctx.json(view(p, session));
  }

  /** Ends the session (the cookie removed); needs the CSRF token like any change. */
  void logout(Context ctx) {
    Http.onlyQuery(ctx);
    sessions.of(ctx).ifPresent(session -> Sessions.requireCsrf(ctx, session));
    ctx.header("Set-Cookie", Sessions.setCookie(ctx, null, Duration.ZERO));
    ctx.status(204);
  }

  private Map<String, Object> view(Principal p, Sessions.Session session) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", p.kind().name().toLowerCase(java.util.Locale.ROOT));
    m.put("clientId", p.clientId());
    m.put(
        "clientName",
        p.clientId() == null ? null : s.clients.find(p.clientId()).map(c -> c.name()).orElse(null));
    m.put(
        "tokenName",
        p.tokenId() == null
            ? "FERRY_ADMIN_TOKEN"
            : s.tokens.find(p.tokenId()).map(t -> t.name()).orElse(null));
    m.put("csrfToken", session.csrf());
    m.put("expiresAt", session.expiresAt());
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("uiUrl", temporalUi);
    t.put("namespace", namespace);
    m.put("temporal", t);
    return m;
  }
}
