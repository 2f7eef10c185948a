package dev.ferry.activities.testing;

import dev.ferry.activities.storage.s3.S3Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

/**
 * The real s3proxy (an S3 API server over a filesystem folder) running as its own Java process on a
 * free loopback port. Tests share one server per JVM through {@link #shared()}; a shutdown hook
 * stops it and removes its folder.
 *
 * <p>It runs out of process because its protobuf 4 would break Temporal on the test classpath. The
 * jar is copied to {@code activities/target/tools/s3proxy.jar} by the build. Its log goes to a file
 * in its temporary folder, at WARN (at its default DEBUG it writes hundreds of MB).
 */
public final class S3ProxyServer implements AutoCloseable {
  public static final String ACCESS_KEY = "ferry-test-access-key";
  public static final String SECRET_KEY = "ferry-test-secret-key";
  private static final String REGION = "us-east-1";
  private static final long START_TIMEOUT_MILLIS = 30_000;

  private static S3ProxyServer shared;

  private final Process process;
  private final Path dir;
  private final Path log;
  private final URI endpoint;
  private final S3Client admin;

  private S3ProxyServer(Path jar) throws IOException {
    dir = Files.createTempDirectory("ferry-s3proxy-");
    Path data = Files.createDirectories(dir.resolve("data"));
    log = dir.resolve("s3proxy.log");
    int port = freePort();
    endpoint = URI.create("http://127.0.0.1:" + port);
    Path properties = dir.resolve("s3proxy.properties");
    Files.writeString(
        properties,
        String.join(
            "\n",
            "s3proxy.endpoint=" + endpoint,
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + ACCESS_KEY,
            "s3proxy.credential=" + SECRET_KEY,
            "s3proxy.ignore-unknown-headers=true",
            "jclouds.provider=filesystem",
            "jclouds.filesystem.basedir=" + data,
            ""));
    Path logback = dir.resolve("logback.xml");
    Files.writeString(
        logback,
        """
        <configuration>
          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d %-5level %logger{20} - %msg%n</pattern></encoder>
          </appender>
          <root level="WARN"><appender-ref ref="OUT"/></root>
        </configuration>
        """);
    List<String> command = new ArrayList<>();
    command.add(javaCommand());
    command.add("-Dlogback.configurationFile=" + logback);
    command.add("-Xmx512m");
    command.add("-jar");
    command.add(jar.toString());
    command.add("--properties");
    command.add(properties.toString());
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .directory(dir.toFile())
            .start();
    try {
      awaitPort(port, jar);
    } catch (RuntimeException e) {
      process.destroyForcibly();
      throw e;
    }
    admin =
        S3Client.builder()
            .endpointOverride(endpoint)
            .region(Region.of(REGION))
            .forcePathStyle(true)
            // as S3Storage does: s3proxy drops the connection after a zero-byte aws-chunked PUT
            .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
            .credentialsProvider(credentials())
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .build();
  }

  /** The server shared by every test in this JVM, started on first use. */
  public static synchronized S3ProxyServer shared() {
    if (shared == null) {
      try {
        shared = new S3ProxyServer(jar());
      } catch (IOException e) {
        throw new UncheckedIOException("could not start s3proxy", e);
      }
      S3ProxyServer server = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "s3proxy-stop"));
    }
    return shared;
  }

  /** The S3 endpoint, {@code http://127.0.0.1:PORT}. */
  public URI endpoint() {
    return endpoint;
  }

  public String accessKey() {
    return ACCESS_KEY;
  }

  public String secretKey() {
    return SECRET_KEY;
  }

  /** Where the server's output goes, for diagnosing a failed test. */
  public Path logFile() {
    return log;
  }

  /** Static credentials the server accepts. */
  public StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
  }

  /** A client with full rights, for setting up and inspecting tests. Do not close it. */
  public S3Client client() {
    return admin;
  }

  /** Creates a bucket; one that already exists is fine. */
  public void createBucket(String name) {
    try {
      admin.createBucket(r -> r.bucket(name));
    } catch (BucketAlreadyOwnedByYouException ignored) {
      // already there
    }
  }

  /** Settings for {@code s3://bucket/prefix} on this server with the test credentials. */
  public S3Settings settings(String bucket, String prefix) {
    return new S3Settings(bucket, prefix, endpoint, Region.of(REGION), credentials(), true);
  }

  @Override
  public void close() {
    try {
      admin.close();
    } catch (RuntimeException ignored) {
      // stopping anyway
    }
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary folder left behind
    }
  }

  private static Path jar() {
    for (Path candidate :
        List.of(
            Paths.get("target/tools/s3proxy.jar"),
            Paths.get("activities/target/tools/s3proxy.jar"),
            Paths.get("../activities/target/tools/s3proxy.jar"))) {
      if (Files.isRegularFile(candidate)) {
        return candidate.toAbsolutePath();
      }
    }
    throw new IllegalStateException(
        "s3proxy jar not found at activities/target/tools/s3proxy.jar (working directory "
            + Paths.get("").toAbsolutePath()
            + "): build with mvn -pl activities -am install, which copies it there");
  }

  private static String javaCommand() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElseGet(() -> Paths.get(System.getProperty("java.home"), "bin", "java").toString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void awaitPort(int port, Path jar) {
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "s3proxy ("
                + jar
                + ") exited with status "
                + process.exitValue()
                + " before answering on port "
                + port
                + "; see its log "
                + log
                + ":\n"
                + tail());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return;
      } catch (IOException notYet) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while starting s3proxy", e);
        }
      }
    }
    throw new IllegalStateException(
        "s3proxy ("
            + jar
            + ") did not answer on port "
            + port
            + " within "
            + START_TIMEOUT_MILLIS / 1000
            + " s; see its log "
            + log
            + ":\n"
            + tail());
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }
}
