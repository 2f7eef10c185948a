package dev.ferry.api.runtime;

import com.sun.net.httpserver.HttpServer;
import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The process's metrics in Prometheus text format: Micrometer's Prometheus registry joined to the
 * global registry (where the engine counts, see {@code EngineMetrics}), the JVM's own figures, and
 * the Temporal SDK's worker and client metrics bridged into it. Installed once per process, before
 * Temporal's service stubs are made ({@link #temporalScope()} is read then); {@code ferry server}
 * serves it at {@code /metrics} on its API port, {@code ferry worker}, {@code ferry agent} and
 * {@code ferry migrate} on {@code --metrics-listen}.
 */
public final class FerryMetrics {
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static PrometheusMeterRegistry registry;
  private static Scope temporalScope;

  private FerryMetrics() {}

  /** Installs the registry (once; later calls return the same). */
  public static synchronized PrometheusMeterRegistry install() {
    if (registry == null) {
      PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      new JvmMemoryMetrics().bindTo(r);
      new JvmThreadMetrics().bindTo(r);
      new ClassLoaderMetrics().bindTo(r);
      new ProcessorMetrics().bindTo(r);
      new UptimeMetrics().bindTo(r);
      Metrics.addRegistry(r);
      temporalScope =
          new RootScopeBuilder()
              .reporter(new MicrometerClientStatsReporter(r))
              .reportEvery(com.uber.m3.util.Duration.ofSeconds(5));
      registry = r;
    }
    return registry;
  }

  /** The Temporal SDK's metrics scope, or null when no registry was installed. */
  public static synchronized Scope temporalScope() {
    return temporalScope;
  }

  /** The registry's figures now, in Prometheus text format (empty when none was installed). */
  public static String scrape() {
    PrometheusMeterRegistry r;
    synchronized (FerryMetrics.class) {
      r = registry;
    }
    return r == null ? "" : r.scrape();
  }

  /**
   * Serves {@code GET /metrics} on {@code listen} ({@code host:port}, {@code :port} or {@code
   * port}; port 0 picks a free one) until the process ends; installs the registry first.
   */
  public static HttpServer serve(String listen) {
    install();
    InetSocketAddress at = address(listen);
    HttpServer http;
    try {
      http = HttpServer.create(at, 16);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot serve metrics on " + listen + ": " + e.getMessage() + " (choose another port)",
          e);
    }
    http.createContext(
        "/metrics",
        ex -> {
          try (ex) {
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
              ex.getResponseHeaders().add("Allow", "GET, HEAD");
              ex.sendResponseHeaders(405, -1);
              return;
            }
            byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", CONTENT_TYPE);
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
              try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
              }
            }
          }
        });
    http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    http.start();
    return http;
  }

  static InetSocketAddress address(String listen) {
    String s = listen == null ? "" : listen.trim();
    int colon = s.lastIndexOf(':');
    String host = colon < 0 ? "" : s.substring(0, colon);
    String port = colon < 0 ? s : s.substring(colon + 1);
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException(
          "'" + listen + "' is not an address to listen on: use host:port, :port or a port");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return host.isEmpty() ? new InetSocketAddress(p) : new InetSocketAddress(host, p);
  }
}
