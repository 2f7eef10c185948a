package dev.ferry.api.server;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.CatalogStorageResolver;
import dev.ferry.activities.catalog.ConnectionKinds;
import dev.ferry.activities.catalog.Connections;
import dev.ferry.activities.catalog.DbConfig;
import dev.ferry.activities.catalog.SecretBox;
import dev.ferry.api.runtime.FerryHome;
import dev.ferry.api.runtime.FerryMetrics;
import dev.ferry.api.runtime.FerryRuntime;
import dev.ferry.api.runtime.LocalTemporal;
import java.util.Map;

/**
 * {@code ferry server} as an object: the catalog, the master key, Temporal (the configured cluster,
 * or a local one kept under FERRY_HOME), the central worker — workflows, database-side activities
 * and the data-moving activities of jobs without an agent, opening connections through a {@link
 * CatalogStorageResolver} — and the REST API. Closing it stops them in reverse order; runs in
 * flight carry on when a server with the same FERRY_HOME starts again.
 */
public final class FerryServer implements AutoCloseable {
  private final LocalTemporal temporal;
  private final FerryRuntime runtime;
  private final ApiServer api;
  private final String host;
  private final String generatedAdminToken;

  private FerryServer(
      LocalTemporal temporal,
      FerryRuntime runtime,
      ApiServer api,
      String host,
      String generatedAdminToken) {
    this.temporal = temporal;
    this.runtime = runtime;
    this.api = api;
    this.host = host;
    this.generatedAdminToken = generatedAdminToken;
  }

  /** Where the API listens, from {@code FERRY_HTTP} ({@code host:port}, default 127.0.0.1:8080). */
  public record Listen(String host, int port) {
    public static final String DEFAULT = "127.0.0.1:8080";

    /**
     * Parses {@code host:port}, {@code :port} or {@code port}.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static Listen parse(String text) {
      String t = text == null || text.isBlank() ? DEFAULT : text.trim();
      int colon = t.lastIndexOf(':');
      String h = colon < 0 ? "127.0.0.1" : t.substring(0, colon);
      String p = colon < 0 ? t : t.substring(colon + 1);
      try {
        int port = Integer.parseInt(p);
        if (port < 0 || port > 65535) {
          throw new NumberFormatException();
        }
        return new Listen(h.isEmpty() ? "127.0.0.1" : h.replaceAll("^\\[|]$", ""), port);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "FERRY_HTTP must be host:port, :port or port, e.g. 127.0.0.1:8080 (got '"
                + text
                + "')");
      }
    }
  }

  /**
   * Starts everything.
   *
   * @throws dev.ferry.activities.catalog.Database.Unreachable when PostgreSQL cannot be reached
   * @throws IllegalStateException when the master key or Temporal cannot be set up
   */
  public static FerryServer start(Map<String, String> env, Listen listen, ConnectionKinds kinds) {
    FerryHome home = FerryHome.fromEnv(env);
    LocalRoots roots;
    try {
      roots = LocalRoots.fromEnv(env, home.dir());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    DbConfig db = DbConfig.fromEnv(env);
    ApiServer.Tls tls = ApiServer.Tls.fromEnv(env);
    Catalog catalog = FerryRuntime.openCatalog(db);
    SecretBox box = SecretBox.load(env.get("FERRY_MASTER_KEY"), home.dir().resolve("master.key"));
    Connections connections = new Connections(catalog.jdbi(), box);
    if (!connections.opensStoredSecrets()) {
      // servers of one database share it: a second server with a key of its own could neither
      // open the secrets the first stored nor store any the first could open
      throw new IllegalStateException(
          "the master key ("
              + (env.get("FERRY_MASTER_KEY") == null || env.get("FERRY_MASTER_KEY").isBlank()
                  ? home.dir().resolve("master.key").toString()
                  : "FERRY_MASTER_KEY")
              + ") does not open the connection secrets stored in the database at "
              + db.url()
              + ": they were sealed under another key. Every ferry server of one database needs"
              + " the same key: set FERRY_MASTER_KEY to the key of the server that stored them"
              + " (its FERRY_MASTER_KEY, or the content of its FERRY_HOME/master.key)");
    }
    FerryMetrics.install(); // before Temporal's stubs, which take the SDK's metrics scope
    LocalTemporal temporal = LocalTemporal.start(home, "server", env);
    FerryRuntime runtime = null;
    try {
      runtime =
          FerryRuntime.start(
              catalog, temporal, new CatalogStorageResolver(connections::resolve, kinds));
      String admin = env.get("FERRY_ADMIN_TOKEN");
      String generated = null;
      if (admin == null || admin.isBlank()) {
        admin = null;
        generated = ApiServer.bootstrapAdminToken(catalog);
      }
      String publicTemporal = env.getOrDefault("FERRY_AGENT_TEMPORAL_ADDRESS", temporal.address());
      ApiServer api =
          ApiServer.start(
              new ApiServer.Config(
                  listen.host(),
                  listen.port(),
                  catalog,
                  box,
                  kinds,
                  runtime.client(),
                  admin,
                  publicTemporal,
                  temporal.namespace(),
                  tls,
                  roots,
                  temporalUi(env, temporal)));
      return new FerryServer(temporal, runtime, api, listen.host(), generated);
    } catch (RuntimeException e) {
      if (runtime != null) {
        runtime.close();
      }
      temporal.close();
      throw e;
    }
  }

  public int port() {
    return api.port();
  }

  /**
   * The Temporal Web UI the dashboard links workflows to: {@code FERRY_TEMPORAL_UI_URL}, else the
   * local dev server's; null when there is none (an external cluster's UI is not discoverable).
   */
  static String temporalUi(Map<String, String> env, LocalTemporal temporal) {
    String set = env.get("FERRY_TEMPORAL_UI_URL");
    return set != null && !set.isBlank() ? set.trim() : temporal.uiAddress();
  }

  /** The dashboard's address, e.g. {@code http://127.0.0.1:8080/} (https with FERRY_TLS_CERT). */
  public String dashboardUrl() {
    return apiUrl().substring(0, apiUrl().length() - Routes.BASE.length()) + "/";
  }

  /** The API's base URL, e.g. {@code http://127.0.0.1:8080/api/v1} (https with FERRY_TLS_CERT). */
  public String apiUrl() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return (api.https() ? "https://" : "http://")
        + (h.equals("0.0.0.0") ? "127.0.0.1" : h)
        + ":"
        + port()
        + Routes.BASE;
  }

  public LocalTemporal temporal() {
    return temporal;
  }

  public FerryRuntime runtime() {
    return runtime;
  }

  public ApiServer api() {
    return api;
  }

  /** The folders of this machine that jobs of the server's own worker may use. */
  public LocalRoots localRoots() {
    return api.services().roots;
  }

  /** The operator token minted at this first start (print it once), or null. */
  public String generatedAdminToken() {
    return generatedAdminToken;
  }

  @Override
  public void close() {
    try {
      api.close();
    } finally {
      try {
        runtime.close();
      } finally {
        temporal.close();
      }
    }
  }
}
