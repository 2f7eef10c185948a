package dev.ferry.api.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ferry's Temporal client over mutual TLS with the Temporal CLI's settings (TEMPORAL_TLS_CERT,
 * TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA), against a real Temporal dev server. The dev server itself
 * cannot serve TLS ({@code temporal server start-dev} has no TLS options), so the test puts a TLS
 * terminator in front of it — a JDK {@code SSLServerSocket} that negotiates HTTP/2 (ALPN h2) and
 * requires a client certificate of the test's private CA — and forwards the bytes to the dev
 * server: the TLS handshake, the certificate checks on both sides and gRPC over it are real. The
 * API key is checked as the metadata the stubs send (no server here checks one).
 */
class TemporalTlsTest {
  @TempDir static Path dir;
  static LocalTemporal dev;
  static TestCa ca;
  static TestCa.Issued client;
  static SSLServerSocket terminator;

  @BeforeAll
  static void up() throws Exception {
    Path bin =
        Path.of(System.getProperty("user.dir")).getParent().resolve(".tools/venv/bin/temporal");
    assertThat(bin).as("the Temporal CLI (scripts/setup)").isExecutable();
    dev =
        LocalTemporal.start(
            FerryHome.fromEnv(Map.of("FERRY_HOME", dir.resolve("home").toString())),
            "tls",
            Map.of("FERRY_TEMPORAL_BIN", bin.toString()));
    ca = new TestCa(dir.resolve("ca"), "Temporal Test CA");
    TestCa.Issued server = ca.issue("temporal", "dns:localhost");
    client = ca.issue("ferry-client");
    char[] pw = "x".toCharArray();
    KeyStore ks = Pem.keyStore(server.cert(), "server cert", server.key(), "server key", pw);
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, pw);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(
        kmf.getKeyManagers(),
        new javax.net.ssl.TrustManager[] {Pem.trustManager(ca.caCert(), "client CA")},
        null);
    terminator =
        (SSLServerSocket)
            ctx.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    SSLParameters p = terminator.getSSLParameters();
    p.setApplicationProtocols(new String[] {"h2"});
    p.setNeedClientAuth(true);
    terminator.setSSLParameters(p);
    String[] hostPort = dev.address().split(":");
    Thread.ofVirtual()
        .start(
            () -> {
              while (!terminator.isClosed()) {
                try {
                  Socket in = terminator.accept();
                  Socket out = new Socket(hostPort[0], Integer.parseInt(hostPort[1]));
                  Thread.ofVirtual().start(() -> pipe(in, out));
                  Thread.ofVirtual().start(() -> pipe(out, in));
                } catch (IOException e) {
                  // closed
                }
              }
            });
  }

  static void pipe(Socket from, Socket to) {
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException e) {
      // one side closed (or the handshake was refused)
    } finally {
      try {
        from.close();
        to.close();
      } catch (IOException e) {
        // closed
      }
    }
  }

  @AfterAll
  static void down() throws Exception {
    if (terminator != null) {
      terminator.close();
    }
    if (dev != null) {
      dev.close();
    }
  }

  static Map<String, String> env(String... kv) {
    Map<String, String> e = new HashMap<>();
    e.put("TEMPORAL_ADDRESS", "localhost:" + terminator.getLocalPort());
    for (int i = 0; i < kv.length; i += 2) {
      e.put(kv[i], kv[i + 1]);
    }
    return e;
  }

  @Test
  void aFerryProcessReachesTemporalOverMutualTlsWithTheCliSettings() {
    Map<String, String> env =
        env(
            "TEMPORAL_TLS_CERT", client.cert().toString(),
            "TEMPORAL_TLS_KEY", client.key().toString(),
            "TEMPORAL_TLS_CA", ca.caCert().toString());
    try (LocalTemporal t =
        LocalTemporal.start(
            FerryHome.fromEnv(Map.of("FERRY_HOME", dir.resolve("c").toString())), "c", env)) {
      assertThat(t.mode()).isEqualTo(LocalTemporal.Mode.EXTERNAL);
      assertThat(t.describe()).contains("mutual TLS").doesNotContain(client.key().toString());
      // a real call through TLS to the dev server behind it
      assertThat(
              t.stubs()
                  .blockingStub()
                  .describeNamespace(
                      io.temporal.api.workflowservice.v1.DescribeNamespaceRequest.newBuilder()
                          .setNamespace("default")
                          .build())
                  .getNamespaceInfo()
                  .getName())
          .isEqualTo("default");
    }
  }

  @Test
  void withoutTheClientCertificateOrTheCaTheHandshakeIsRefused() {
    // no client certificate: the server's requirement refuses it
    assertThat(healthCheck(env("TEMPORAL_TLS_CA", ca.caCert().toString()))).isNotNull();
    // the JDK's CAs do not know the private CA
    assertThat(
            healthCheck(
                env(
                    "TEMPORAL_TLS_CERT", client.cert().toString(),
                    "TEMPORAL_TLS_KEY", client.key().toString())))
        .isNotNull();
    // plain gRPC to a TLS port
    assertThat(healthCheck(env())).isNotNull();
    // the right settings: serving
    assertThat(
            healthCheck(
                env(
                    "TEMPORAL_TLS_CERT", client.cert().toString(),
                    "TEMPORAL_TLS_KEY", client.key().toString(),
                    "TEMPORAL_TLS_CA", ca.caCert().toString())))
        .isNull();
  }

  /** One health check with the settings of {@code env}: null when serving, else the failure. */
  static String healthCheck(Map<String, String> env) {
    TemporalTls tls = TemporalTls.fromEnv(env);
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            tls.apply(
                    WorkflowServiceStubsOptions.newBuilder()
                        .setTarget(env.get("TEMPORAL_ADDRESS"))
                        .setHealthCheckTimeout(Duration.ofSeconds(3))
                        .setHealthCheckAttemptTimeout(Duration.ofSeconds(2)),
                    "default")
                .build());
    try {
      stubs
          .blockingStub()
          .withDeadlineAfter(3, java.util.concurrent.TimeUnit.SECONDS)
          .getSystemInfo(
              io.temporal.api.workflowservice.v1.GetSystemInfoRequest.getDefaultInstance());
      return null;
    } catch (RuntimeException e) {
      return e.toString();
    } finally {
      stubs.shutdownNow();
    }
  }

  @Test
  void settingsAreCheckedWithTheReasonAndAnApiKeyIsSentAsABearer() throws Exception {
    assertThat(TemporalTls.fromEnv(Map.of()).any()).isFalse();
    assertThat(TemporalTls.fromEnv(Map.of("TEMPORAL_TLS", "true")).tls()).isTrue();
    assertThatThrownBy(
            () -> TemporalTls.fromEnv(Map.of("TEMPORAL_TLS_CERT", client.cert().toString())))
        .hasMessageContaining("needs both TEMPORAL_TLS_CERT")
        .hasMessageContaining("only TEMPORAL_TLS_CERT is set");
    assertThatThrownBy(() -> TemporalTls.fromEnv(Map.of("TEMPORAL_TLS", "maybe")))
        .hasMessageContaining("TEMPORAL_TLS must be true or false");
    assertThatThrownBy(
            () ->
                TemporalTls.fromEnv(
                    Map.of("TEMPORAL_TLS_CA", dir.resolve("missing.pem").toString())))
        .hasMessageContaining("TEMPORAL_TLS_CA: cannot read");
    // a key that is not the certificate's
    TestCa.Issued other = ca.issue("other");
    assertThatThrownBy(
            () ->
                TemporalTls.fromEnv(
                    Map.of(
                        "TEMPORAL_TLS_CERT", client.cert().toString(),
                        "TEMPORAL_TLS_KEY", other.key().toString())))
        .hasMessageContaining("is not the private key of the certificate in TEMPORAL_TLS_CERT");
    // a PKCS#1 key: refused with the command that converts it
    Path rsa = dir.resolve("rsa.pem");
    Files.writeString(
        rsa, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
    assertThatThrownBy(
            () ->
                TemporalTls.fromEnv(
                    Map.of(
                        "TEMPORAL_TLS_CERT", client.cert().toString(),
                        "TEMPORAL_TLS_KEY", rsa.toString())))
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");

    // an API key: TLS on (Temporal Cloud), sent as a bearer with the namespace header
    TemporalTls key = TemporalTls.fromEnv(Map.of("TEMPORAL_API_KEY", "secret-key-123"));
    assertThat(key.tls()).isTrue();
    assertThat(key.describe()).isEqualTo("TLS, API key");
    assertThat(key.toString()).doesNotContain("secret-key-123");
    WorkflowServiceStubsOptions o =
        key.apply(WorkflowServiceStubsOptions.newBuilder().setTarget("x:7233"), "ns.acct").build();
    assertThat(o.getEnableHttps()).isTrue();
    io.grpc.Metadata sent = new io.grpc.Metadata();
    o.getGrpcMetadataProviders().forEach(m -> sent.merge(m.getMetadata()));
    assertThat(
            sent.get(
                io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo("Bearer secret-key-123");
    assertThat(
            o.getHeaders()
                .get(
                    io.grpc.Metadata.Key.of(
                        "temporal-namespace", io.grpc.Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo("ns.acct");
    assertThat(TemporalTls.fromEnv(Map.of("TEMPORAL_API_KEY", "k", "TEMPORAL_TLS", "false")).tls())
        .isFalse();
  }
}
