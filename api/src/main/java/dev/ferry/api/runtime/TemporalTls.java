package dev.ferry.api.runtime;

import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * How a Ferry process (server, worker, agent, migrate) secures its link to a Temporal service given
 * by {@code TEMPORAL_ADDRESS}, with the Temporal CLI's names for the settings:
 *
 * <ul>
 *   <li>{@code TEMPORAL_TLS_CERT} / {@code TEMPORAL_TLS_KEY}: a client certificate (PEM chain) and
 *       its PKCS#8 key, for mutual TLS (self-hosted clusters, Temporal Cloud with certificates);
 *   <li>{@code TEMPORAL_TLS_CA}: the CA certificate(s) that signed the server's certificate (PEM),
 *       trusted instead of the JDK's CAs;
 *   <li>{@code TEMPORAL_TLS_SERVER_NAME}: the name to verify the server's certificate for, when it
 *       is not the host of the address;
 *   <li>{@code TEMPORAL_API_KEY}: an API key (Temporal Cloud), sent as {@code Authorization:
 *       Bearer};
 *   <li>{@code TEMPORAL_TLS}: {@code true} for TLS with none of the above (a server with a public
 *       certificate); {@code false} to use an API key without TLS.
 * </ul>
 *
 * TLS is on when any of the certificate settings or an API key is given (unless {@code
 * TEMPORAL_TLS=false}). The key and the API key are never logged.
 */
public record TemporalTls(
    boolean tls, Path cert, Path key, Path ca, String serverName, String apiKey) {
  public static final String TLS = "TEMPORAL_TLS";
  public static final String CERT = "TEMPORAL_TLS_CERT";
  public static final String KEY = "TEMPORAL_TLS_KEY";
  public static final String CA = "TEMPORAL_TLS_CA";
  public static final String SERVER_NAME = "TEMPORAL_TLS_SERVER_NAME";
  public static final String API_KEY = "TEMPORAL_API_KEY";

  /** Plain gRPC, no credentials: a local dev server. */
  public static final TemporalTls NONE = new TemporalTls(false, null, null, null, null, null);

  /**
   * The settings of {@code env}, checked (files readable, a key that is the certificate's).
   *
   * @throws IllegalStateException naming the setting that is wrong and what to do
   */
  public static TemporalTls fromEnv(Map<String, String> env) {
    Path cert = path(env, CERT);
    Path key = path(env, KEY);
    Path ca = path(env, CA);
    String name = text(env, SERVER_NAME);
    String apiKey = text(env, API_KEY);
    String flag = text(env, TLS);
    if ((cert == null) != (key == null)) {
      throw new IllegalStateException(
          "a Temporal client certificate needs both "
              + CERT
              + " (PEM chain) and "
              + KEY
              + " (its PKCS#8 key); only "
              + (cert != null ? CERT : KEY)
              + " is set");
    }
    Boolean explicit = null;
    if (flag != null) {
      switch (flag.toLowerCase(Locale.ROOT)) {
        case "true", "1", "yes" -> explicit = true;
        case "false", "0", "no" -> explicit = false;
        default ->
            throw new IllegalStateException(TLS + " must be true or false (got '" + flag + "')");
      }
    }
    boolean anyTlsFile = cert != null || ca != null || name != null;
    if (Boolean.FALSE.equals(explicit) && anyTlsFile) {
      throw new IllegalStateException(
          TLS + "=false contradicts " + (cert != null ? CERT : ca != null ? CA : SERVER_NAME));
    }
    boolean tls = explicit != null ? explicit : anyTlsFile || apiKey != null;
    TemporalTls t = new TemporalTls(tls, cert, key, ca, name, apiKey);
    if (cert != null) {
      Pem.keyStore(cert, CERT, key, KEY, "check".toCharArray());
    }
    if (ca != null) {
      Pem.trustManager(ca, CA);
    }
    return t;
  }

  /** Whether any setting is given (TLS or an API key). */
  public boolean any() {
    return tls || apiKey != null;
  }

  /** Applies the settings to stubs' options for {@code namespace}. */
  public WorkflowServiceStubsOptions.Builder apply(
      WorkflowServiceStubsOptions.Builder b, String namespace) {
    if (tls) {
      if (cert == null && ca == null) {
        b.setEnableHttps(true); // the JDK's CAs, no client certificate
      } else {
        try {
          SimpleSslContextBuilder ssl =
              cert == null
                  ? SimpleSslContextBuilder.noKeyOrCertChain()
                  : SimpleSslContextBuilder.forPKCS8(Pem.open(cert, CERT), Pem.open(key, KEY));
          if (ca != null) {
            ssl.setTrustManager(Pem.trustManager(ca, CA));
          }
          b.setSslContext(ssl.build());
        } catch (SSLException e) {
          throw new IllegalStateException(
              "the Temporal TLS settings do not make a TLS context: " + e.getMessage());
        }
      }
      if (serverName != null) {
        b.setChannelInitializer(c -> c.overrideAuthority(serverName));
      }
    }
    if (apiKey != null) {
      b.addApiKey(() -> apiKey);
      // Temporal Cloud routes API-key requests by this header
      io.grpc.Metadata m = new io.grpc.Metadata();
      m.put(
          io.grpc.Metadata.Key.of("temporal-namespace", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
          namespace);
      b.setHeaders(m);
    }
    return b;
  }

  /** Said for the user, without secrets: e.g. "mutual TLS", "TLS, API key". */
  public String describe() {
    if (!any()) {
      return "plain";
    }
    String s = !tls ? "no TLS" : cert != null ? "mutual TLS" : "TLS";
    return apiKey != null ? s + ", API key" : s;
  }

  @Override
  public String toString() {
    return "TemporalTls[" + describe() + (ca != null ? ", CA " + ca : "") + "]";
  }

  private static Path path(Map<String, String> env, String name) {
    String v = text(env, name);
    return v == null ? null : Path.of(v);
  }

  private static String text(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.trim();
  }
}
