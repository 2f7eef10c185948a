package dev.ferry.api.cli;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.api.runtime.FerryMetrics;
import picocli.CommandLine.Option;

/**
 * The {@code --metrics-listen} option of the long-running commands: serve Prometheus metrics at
 * {@code http://ADDRESS/metrics}. Off unless given. Started before Temporal's stubs are made so the
 * SDK's own metrics are bridged in.
 */
final class MetricsListen {
  @Option(
      names = "--metrics-listen",
      paramLabel = "ADDRESS",
      description =
          "Serve Prometheus metrics at http://ADDRESS/metrics (host:port, :port or a port; off"
              + " unless given).")
  String address;

  /** Starts serving when asked; returns the server (null when not asked). */
  HttpServer start() {
    if (address == null || address.isBlank()) {
      return null;
    }
    HttpServer s = FerryMetrics.serve(address);
    Ferry.err()
        .println(
            "Metrics at http://"
                + (s.getAddress().getAddress().isAnyLocalAddress()
                    ? "localhost"
                    : s.getAddress().getHostString())
                + ":"
                + s.getAddress().getPort()
                + "/metrics");
    return s;
  }
}
