package dev.ferry.api.cli;

import dev.ferry.activities.catalog.ConnectionKinds;
import dev.ferry.activities.catalog.Database;
import dev.ferry.api.runtime.LocalTemporal;
import dev.ferry.api.server.FerryServer;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry server}: the REST API, the central worker and — without TEMPORAL_ADDRESS — a local
 * Temporal service, until stopped (Ctrl-C or SIGTERM).
 */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    header = "Run Ferry as a service: dashboard, REST API, central worker, local Temporal.",
    description = {
      "Runs Ferry as a service: the dashboard (/), the REST API (/api/v1), the",
      "central worker and, without TEMPORAL_ADDRESS, a local Temporal service with",
      "its Web UI. Stop it with Ctrl-C.",
    },
    footer = {
      "",
      "Environment: FERRY_HTTP (host:port, default 127.0.0.1:8080), FERRY_ADMIN_TOKEN",
      "(an operator token; without it one is generated and printed once, at the first",
      "start), FERRY_MASTER_KEY (base64 32 bytes; else FERRY_HOME/master.key, created",
      "0600), FERRY_DB_URL / FERRY_DB_USER / FERRY_DB_PASSWORD, TEMPORAL_ADDRESS /",
      "TEMPORAL_NAMESPACE, FERRY_TEMPORAL_UI_URL (the Web UI the dashboard links",
      "workflows to, for a Temporal cluster), FERRY_HOME; HTTPS: FERRY_TLS_CERT and",
      "FERRY_TLS_KEY (PEM); Temporal over TLS: TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY,",
      "TEMPORAL_TLS_CA, TEMPORAL_API_KEY (docs/security.md).",
      "API walk-through: docs/api.md."
    })
public final class ServerCommand implements Callable<Integer> {
  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      description = "Where the API listens (default: FERRY_HTTP, else 127.0.0.1:8080).")
  String listen;

  @Override
  public Integer call() {
    FerryServer.Listen where;
    try {
      where = FerryServer.Listen.parse(listen != null ? listen : Ferry.env().get("FERRY_HTTP"));
    } catch (IllegalArgumentException e) {
      Ferry.err().println("ferry server: " + e.getMessage());
      return Ferry.EXIT_USAGE;
    }
    FerryServer server;
    try {
      server = FerryServer.start(Ferry.env(), where, ConnectionKinds.defaults());
    } catch (Database.Unreachable | IllegalStateException | java.io.UncheckedIOException e) {
      Ferry.err().println("ferry server: " + e.getMessage());
      return Ferry.EXIT_ENVIRONMENT;
    } catch (RuntimeException e) {
      Ferry.err().println("ferry server: cannot start: " + e);
      return Ferry.EXIT_ENVIRONMENT;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              Ferry.out().println("Stopping Ferry server...");
              server.close();
              stopped.countDown();
            },
            "ferry-server-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    Ferry.out().println("Ferry server");
    Ferry.out().println("  Dashboard:       " + server.dashboardUrl());
    Ferry.out().println("  API:             " + server.apiUrl());
    Ferry.out().println("  OpenAPI:         " + server.apiUrl() + "/openapi.json");
    LocalTemporal t = server.temporal();
    Ferry.out()
        .println(
            "  Temporal:        "
                + switch (t.mode()) {
                  case EXTERNAL -> t.describe().substring("Temporal at ".length());
                  case DEV_SERVER ->
                      t.address() + " (local dev server, namespace " + t.namespace() + ")";
                  case IN_PROCESS -> t.describe();
                });
    if (t.uiAddress() != null) {
      Ferry.out().println("  Temporal Web UI: " + t.uiAddress());
    }
    Ferry.out()
        .println(
            "  Local folders:   "
                + (server.localRoots().allowed().isEmpty()
                    ? "none of this machine (set FERRY_LOCAL_ROOTS to allow some)"
                    : server.localRoots().describe()));
    if (server.generatedAdminToken() != null) {
      Ferry.out()
          .println("  Operator token (shown this once; keep it safe, or set FERRY_ADMIN_TOKEN):");
      Ferry.out().println("    " + server.generatedAdminToken());
    } else if (Ferry.env().get("FERRY_ADMIN_TOKEN") != null) {
      Ferry.out().println("  Operator token: FERRY_ADMIN_TOKEN");
    } else {
      Ferry.out()
          .println(
              "  Operator token: the one printed at the first start (or set FERRY_ADMIN_TOKEN)");
    }
    Ferry.out().println("Press Ctrl-C to stop.");
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Runtime.getRuntime().removeShutdownHook(hook);
      server.close();
    }
    return Ferry.EXIT_OK;
  }
}
