package dev.ferry.api.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;

/**
 * How an agent talks to its Ferry server, in one place: the {@link HttpClient} of every call
 * (registration, heartbeats, the data plane) and the rules for the server's URL.
 *
 * <ul>
 *   <li>{@code https://} servers are verified as the JDK verifies them (certificate chain and host
 *       name), against the JDK's trusted CAs — or, for a private CA, only against the certificates
 *       of {@value #CA_FILE} (PEM). A CA file given at registration is copied to {@code
 *       FERRY_HOME/}{@value #PINNED_CA} and used on later starts when {@value #CA_FILE} is unset.
 *   <li>Plain {@code http://} is refused unless the server is on this machine (a loopback address
 *       or {@code localhost}) or {@value #ALLOW_HTTP} is {@code true} (the agent's token and the
 *       data it moves would cross the network unencrypted).
 * </ul>
 */
public final class AgentHttp {
  /** A PEM file of the CA certificates the agent trusts for its server (replacing the JDK's). */
  public static final String CA_FILE = "FERRY_CA_FILE";

  /** {@code true}: let the agent use plain http to a server on another machine. */
  public static final String ALLOW_HTTP = "FERRY_ALLOW_HTTP";

  /** Where the CA file given at registration is kept, under FERRY_HOME. */
  public static final String PINNED_CA = "server-ca.pem";

  private AgentHttp() {}

  /** The CA file in force: {@value #CA_FILE}, else the one kept at registration, else none. */
  public static Path caFile(Map<String, String> env, Path home) {
    String set = env.get(CA_FILE);
    if (set != null && !set.isBlank()) {
      return Path.of(set.trim());
    }
    Path pinned = home.resolve(PINNED_CA);
    return Files.isRegularFile(pinned) ? pinned : null;
  }

  /**
   * The HTTP client of an agent's calls to its server: TLS verified against the CA file in force
   * (see {@link #caFile}) or the JDK's CAs.
   *
   * @throws IllegalStateException when the CA file cannot be read or holds no certificate
   */
  public static HttpClient client(Map<String, String> env, Path home) {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER);
    Path ca = caFile(env, home);
    if (ca != null) {
      b.sslContext(dev.ferry.api.runtime.Pem.clientContext(ca, CA_FILE));
    }
    return b.build();
  }

  /** Keeps the CA file given at registration under FERRY_HOME, for later starts (0644). */
  static void pinCa(Map<String, String> env, Path home) throws IOException {
    String set = env.get(CA_FILE);
    if (set == null || set.isBlank()) {
      return;
    }
    Path from = Path.of(set.trim());
    Path to = home.resolve(PINNED_CA);
    if (Files.exists(to) && Files.isSameFile(from, to)) {
      return;
    }
    Files.createDirectories(home);
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * The server's base URL (no trailing slash, no {@code /api/v1}), checked.
   *
   * @throws IllegalArgumentException when it is no http(s) URL, or plain http to another machine
   *     without {@value #ALLOW_HTTP}
   */
  public static String serverBase(String url, Map<String, String> env) {
    String base = url == null ? "" : url.trim().replaceAll("/+$", "").replaceAll("/api/v1$", "");
    URI u;
    try {
      u = URI.create(base);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + url + "' is not a server URL such as https://ferry.example:8443");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
      throw new IllegalArgumentException(
          "'" + url + "' is not a server URL such as https://ferry.example:8443");
    }
    if (scheme.equals("http") && !loopback(u.getHost()) && !allowHttp(env)) {
      throw new IllegalArgumentException(
          "refusing plain http to "
              + u.getHost()
              + ": the agent's token and the files it moves would cross the network"
              + " unencrypted. Serve the API over https (ferry server with FERRY_TLS_CERT and"
              + " FERRY_TLS_KEY) and use an https:// URL, or set "
              + ALLOW_HTTP
              + "=true (--allow-http) if the network is private and trusted");
    }
    return base;
  }

  static boolean allowHttp(Map<String, String> env) {
    String v = env.get(ALLOW_HTTP);
    return v != null && (v.equalsIgnoreCase("true") || v.equals("1") || v.equalsIgnoreCase("yes"));
  }

  /** Whether the host is this machine: {@code localhost} or a loopback address literal. */
  static boolean loopback(String host) {
    String h = host.replaceAll("^\\[|]$", "");
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
      return false; // a name: it may resolve elsewhere tomorrow
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** An I/O failure of a call to the server, said for the person running the agent. */
  public static String explain(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLHandshakeException
          || (t.getMessage() != null && t.getMessage().contains("PKIX path"))) {
        return "the server's TLS certificate is not trusted ("
            + t.getMessage()
            + "); if it is signed by a private CA, give that CA's certificate (PEM) with --ca-file"
            + " or "
            + CA_FILE;
      }
      if (t instanceof javax.net.ssl.SSLException) {
        return "TLS with the server failed: " + t.getMessage();
      }
    }
    return e.toString();
  }
}
