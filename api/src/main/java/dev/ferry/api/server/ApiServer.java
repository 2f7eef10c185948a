package dev.ferry.api.server;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.ConnectionKinds;
import dev.ferry.activities.catalog.SecretBox;
import dev.ferry.activities.catalog.Tokens;
import dev.ferry.api.runtime.FerryMetrics;
import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import io.javalin.json.JavalinJackson;
import io.temporal.client.WorkflowClient;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API: a Javalin app over the catalog and Temporal, plus its background duties (progress
 * sampling for speed and ETA, bandwidth schedules). Start with {@link #start}; stop with {@link
 * #close}.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  /** The largest request body read (16 MiB); a larger one is a 413. */
  static final long MAX_BODY_BYTES = 16L << 20;

  private final Javalin app;
  private final boolean https;
  private final Services services;
  private final ScheduledExecutorService background;

  private final io.temporal.worker.WorkerFactory control;

  private ApiServer(
      Javalin app,
      boolean https,
      Services services,
      ScheduledExecutorService background,
      io.temporal.worker.WorkerFactory control) {
    this.control = control;
    this.https = https;
    this.app = app;
    this.services = services;
    this.background = background;
  }

  /**
   * Everything the API needs.
   *
   * @param adminToken {@code FERRY_ADMIN_TOKEN}, or null
   * @param temporalAddress where agents reach Temporal
   * @param tls the certificate and key the API serves HTTPS with, or null for plain HTTP
   * @param localRoots the folders of this machine that jobs of the server's own worker may use
   * @param temporalUiUrl the Temporal Web UI the dashboard links to, or null
   */
  public record Config(
      String host,
      int port,
      Catalog catalog,
      SecretBox box,
      ConnectionKinds kinds,
      WorkflowClient client,
      String adminToken,
      String temporalAddress,
      String temporalNamespace,
      Tls tls,
      LocalRoots localRoots,
      String temporalUiUrl) {}

  /**
   * HTTPS for the API: {@code FERRY_TLS_CERT} (PEM certificate chain, the server's first) and
   * {@code FERRY_TLS_KEY} (its unencrypted PKCS#8 PEM key), read once at start.
   */
  public record Tls(java.nio.file.Path cert, java.nio.file.Path key) {
    public static final String CERT = "FERRY_TLS_CERT";
    public static final String KEY = "FERRY_TLS_KEY";

    /**
     * The settings of {@code env}: both, or neither (null).
     *
     * @throws IllegalStateException when only one is set, or a file cannot be used
     */
    public static Tls fromEnv(java.util.Map<String, String> env) {
      String c = env.get(CERT);
      String k = env.get(KEY);
      boolean hasC = c != null && !c.isBlank();
      boolean hasK = k != null && !k.isBlank();
      if (!hasC && !hasK) {
        return null;
      }
      if (hasC != hasK) {
        throw new IllegalStateException(
            "HTTPS needs both "
                + CERT
                + " (the certificate chain, PEM) and "
                + KEY
                + " (its private key, PEM); only "
                + (hasC ? CERT : KEY)
                + " is set");
      }
      Tls t = new Tls(java.nio.file.Path.of(c.trim()), java.nio.file.Path.of(k.trim()));
      t.keyStore(); // fails now, with the reason, rather than at the first connection
      return t;
    }

    java.security.KeyStore keyStore() {
      return dev.ferry.api.runtime.Pem.keyStore(cert, CERT, key, KEY, PASSWORD);
    }

    private static final char[] PASSWORD = "ferry-in-memory".toCharArray();

    org.eclipse.jetty.server.ServerConnector connector(
        org.eclipse.jetty.server.Server server,
        org.eclipse.jetty.server.HttpConfiguration http,
        String host,
        int port) {
      org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl =
          new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
      ssl.setKeyStore(keyStore());
      ssl.setKeyStorePassword(new String(PASSWORD));
      ssl.setKeyManagerPassword(new String(PASSWORD));
      ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
      org.eclipse.jetty.server.HttpConfiguration https =
          new org.eclipse.jetty.server.HttpConfiguration(http);
      org.eclipse.jetty.server.SecureRequestCustomizer secure =
          new org.eclipse.jetty.server.SecureRequestCustomizer();
      // clients reach the API by IP address or by any of the certificate's names; the
      // certificate's own check (by the client) is what matters, not Jetty's SNI match
      secure.setSniHostCheck(false);
      https.addCustomizer(secure);
      org.eclipse.jetty.server.ServerConnector c =
          new org.eclipse.jetty.server.ServerConnector(
              server,
              new org.eclipse.jetty.server.SslConnectionFactory(ssl, "http/1.1"),
              new org.eclipse.jetty.server.HttpConnectionFactory(https));
      c.setHost(host);
      c.setPort(port);
      return c;
    }
  }

  public static ApiServer start(Config c) {
    Services s =
        new Services(
            c.catalog(),
            c.box(),
            c.kinds(),
            c.client(),
            new Services.AgentEndpoints(c.temporalAddress(), c.temporalNamespace()),
            c.localRoots());
    Sessions sessions = new Sessions(c.box());
    Auth auth = new Auth(s.tokens, c.adminToken(), sessions);
    Dashboard dashboard =
        new Dashboard(s, auth, sessions, c.temporalUiUrl(), c.temporalNamespace());
    ServerMetrics.bind(FerryMetrics.install(), c.catalog().jdbi());
    OpenApiResource openApi = new OpenApiResource();
    Javalin app =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.startup.showOldJavalinVersionWarning = false;
              cfg.http.maxRequestSize = MAX_BODY_BYTES;
              cfg.http.prefer405over404 = true;
              cfg.concurrency.useVirtualThreads = true;
              cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
              cfg.jetty.host = c.host();
              cfg.jetty.port = c.port();
              if (c.tls() != null) {
                cfg.jetty.addConnector(
                    (server, http) -> c.tls().connector(server, http, c.host(), c.port()));
              }
              cfg.requestLogger.http(
                  (ctx, ms) ->
                      log.info(
                          "{} {} {} {} ms",
                          ctx.method(),
                          ctx.path(),
                          ctx.status().getCode(),
                          ms.longValue()));
              Routes.declare(cfg.routes, s, auth, openApi);
              dashboard.declare(cfg.routes);
              Dashboard.staticFiles(cfg);
              // Prometheus scrapes without a token: figures of the whole service, no names in them
              cfg.routes.get(
                  "/metrics",
                  ctx -> ctx.contentType(FerryMetrics.CONTENT_TYPE).result(FerryMetrics.scrape()));
            });
    app.start();
    ScheduledExecutorService bg =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("ferry-api-bg").factory());
    bg.scheduleWithFixedDelay(s.sampler::sampleActive, 1, 1, TimeUnit.SECONDS);
    Notifier notifier = new Notifier(s, c.client());
    bg.scheduleWithFixedDelay(notifier::agentsOffline, 10, 10, TimeUnit.SECONDS);
    // the activities only a server can do (a cutover's rounds, hooks and checks; a transit
    // cutover's database moves, with the postgresql connections' passwords)
    io.temporal.worker.WorkerFactory control =
        io.temporal.worker.WorkerFactory.newInstance(c.client());
    io.temporal.worker.Worker serverQueue =
        control.newWorker(dev.ferry.workflows.CutoverWorkflow.SERVER_QUEUE);
    serverQueue.registerActivitiesImplementations(
        new CutoverActivitiesImpl(s),
        new TransitActivitiesImpl(s),
        notifier,
        new DatabaseActivitiesImpl(s));
    // webhook deliveries: notices of the workflows and agents gone offline, retried by Temporal
    serverQueue.registerWorkflowImplementationTypes(
        dev.ferry.workflows.WebhookDeliveryWorkflowImpl.class);
    control.start();
    return new ApiServer(app, c.tls() != null, s, bg, control);
  }

  /** Whether the API is served over HTTPS. */
  public boolean https() {
    return https;
  }

  /** The port the server listens on (useful with port 0). */
  public int port() {
    return app.port();
  }

  /**
   * Method and path of every declared API route (the dashboard's own are left out), e.g. {@code GET
   * /api/v1/jobs/{jobId}}; the HEAD twin of each GET route is left out (OpenAPI documents HEAD as
   * implied by GET).
   */
  public List<String> routes() {
    return app.unsafe.internalRouter.allHttpHandlers().stream()
        .map(p -> p.endpoint)
        .filter(e -> e.method.isHttpMethod() && e.method != HandlerType.HEAD)
        .filter(e -> e.path.startsWith(Routes.BASE + "/"))
        .map(e -> e.method.name() + " " + e.path)
        .toList();
  }

  /**
   * Mints and returns an operator token when there is none and no FERRY_ADMIN_TOKEN; null when
   * there is one (also when another server starting at the same time just minted it).
   */
  public static String bootstrapAdminToken(Catalog catalog) {
    return new Tokens(catalog.jdbi())
        .mintFirstOperatorToken("admin (generated at first start)")
        .map(Tokens.Minted::token)
        .orElse(null);
  }

  @Override
  public void close() {
    background.shutdownNow();
    control.shutdownNow();
    app.stop();
  }

  Services services() {
    return services;
  }
}
