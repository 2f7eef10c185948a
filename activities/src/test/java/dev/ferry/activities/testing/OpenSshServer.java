package dev.ferry.activities.testing;

import dev.ferry.activities.storage.sftp.SftpSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real OpenSSH server for tests: Debian's {@code sshd} (package {@code openssh-server}, which
 * {@code scripts/setup --test} installs) started on a free loopback port with a generated
 * configuration, host keys and user key, serving SFTP with {@code internal-sftp}. Paths on it are
 * real paths of this machine; {@link #uri} and {@link #path} translate from the served folder.
 *
 * <p>Two users log in:
 *
 * <ul>
 *   <li>the user the tests run as ({@code user.name}), with an ed25519 key only (its private key,
 *       encrypted with {@value #KEY_PASSPHRASE} in OpenSSH's bcrypt format as {@code ssh-keygen}
 *       writes it, is {@link #keyFile()}); it owns the files the tests make locally, so it reads
 *       and writes them as any SFTP user reads their own files;
 *   <li>{@value #PASSWORD_USER}, a system account with no shell that {@code scripts/setup --test}
 *       creates, with a password only (random per machine, in {@value #PASSWORD_FILE}, readable by
 *       root alone). It writes under {@link #passwordRoot()}.
 * </ul>
 *
 * <p>Password login needs an sshd running as root (a non-root sshd can log in no one but its own
 * user, and only with a key), with {@code UsePAM no} so it checks {@code /etc/shadow} itself. The
 * tests run as root on these machines and in CI; elsewhere the OpenSSH tests are skipped with a
 * message saying so. The sshd runs in the foreground as a child of the test JVM and is stopped by
 * {@link #close()} (and by a shutdown hook if the JVM ends first).
 */
public final class OpenSshServer implements AutoCloseable {
  public static final String PASSWORD_USER = "ferry-sftp";
  public static final String PASSWORD_FILE = "/var/lib/ferry-test/sftp-password";
  public static final String KEY_PASSPHRASE = "test ed25519 passphrase";
  static final Path SSHD = Path.of("/usr/sbin/sshd");

  /** Which host keys the server has (and so offers). */
  public enum HostKeys {
    /** ed25519, ECDSA and RSA, as Debian's package makes them. */
    ALL("ed25519", "ecdsa", "rsa"),
    /** ed25519 alone, what hardened servers often offer. */
    ED25519_ONLY("ed25519"),
    /** DSA alone ({@code ssh-dss}), which MINA SSHD's client no longer speaks: no common one. */
    DSA_ONLY("dsa");

    final List<String> types;

    HostKeys(String... types) {
      this.types = List.of(types);
    }
  }

  private final Path dir;
  private final Path served;
  private final Path keyFile;
  private final Path knownHosts;
  private final String user;
  private final String password;
  private final int port;
  private final Process sshd;
  private final Path log;
  private final Thread hook;

  private OpenSshServer(HostKeys hostKeys) throws IOException, InterruptedException {
    checkAvailable();
    user = System.getProperty("user.name");
    password = Files.readString(Path.of(PASSWORD_FILE)).trim();
    // Its own folder, readable by the password user (a JUnit @TempDir is private to its owner).
    dir = Files.createTempDirectory("ferry-sshd-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    served = Files.createDirectories(dir.resolve("served"));
    Path pwRoot = Files.createDirectories(served.resolve("pw"));
    run("chown", PASSWORD_USER, pwRoot.toString());
    Path keys = Files.createDirectories(dir.resolve("keys"));
    List<String> hostKeyLines = new ArrayList<>();
    for (String type : hostKeys.types) {
      Path k = keys.resolve("host_" + type);
      run("ssh-keygen", "-q", "-t", type, "-N", "", "-C", "ferry test host", "-f", k.toString());
      hostKeyLines.add("HostKey " + k);
    }
    keyFile = keys.resolve("id_ed25519");
    run(
        "ssh-keygen",
        "-q",
        "-t",
        "ed25519",
        "-N",
        KEY_PASSPHRASE,
        "-C",
        "ferry test user",
        "-f",
        keyFile.toString());
    Path authorized = Files.createDirectories(dir.resolve("authorized"));
    Files.copy(keys.resolve("id_ed25519.pub"), authorized.resolve(user));
    log = dir.resolve("sshd.log");
    Files.createDirectories(Path.of("/run/sshd")); // privilege separation; /run is emptied at boot
    String allowedKeyTypes =
        hostKeys == HostKeys.DSA_ONLY
            ? "HostKeyAlgorithms ssh-dss\n"
            : ""; // OpenSSH 9 turns ssh-dss off by default even with a DSA key
    Process started = null;
    int chosen = 0;
    for (int attempt = 0; attempt < 5 && started == null; attempt++) {
      chosen = freePort();
      Path config = dir.resolve("sshd_config");
      Files.writeString(
          config,
          String.join("\n", hostKeyLines)
              + "\n"
              + allowedKeyTypes
              + "ListenAddress 127.0.0.1\n"
              + "Port "
              + chosen
              + "\n"
              + "PidFile none\n"
              + "UsePAM no\n"
              + "KbdInteractiveAuthentication no\n"
              + "PasswordAuthentication yes\n"
              + "PubkeyAuthentication yes\n"
              + "AuthorizedKeysFile "
              + authorized
              + "/%u\n"
              + "StrictModes no\n"
              + "PermitRootLogin prohibit-password\n"
              + "AllowUsers "
              + user
              + " "
              + PASSWORD_USER
              + "\n"
              + "AllowTcpForwarding no\n"
              + "X11Forwarding no\n"
              + "MaxStartups 100\n"
              + "Subsystem sftp internal-sftp\n"
              + "ForceCommand internal-sftp\n"
              + "LogLevel VERBOSE\n"
              + "Match User "
              + PASSWORD_USER
              + "\n  AuthenticationMethods password\n"
              + "Match User "
              + user
              + "\n  AuthenticationMethods publickey\n");
      Process p =
          new ProcessBuilder(
                  SSHD.toString(), "-D", "-e", "-f", config.toString(), "-E", log.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (awaitBanner(p, chosen)) {
        started = p;
      } else {
        p.destroy();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    }
    if (started == null) {
      throw new IOException(
          "OpenSSH's sshd did not start; its log says: " + Files.readString(log).strip());
    }
    sshd = started;
    port = chosen;
    knownHosts = dir.resolve("known_hosts");
    StringBuilder known = new StringBuilder();
    for (String type : hostKeys.types) {
      String pub = Files.readString(keys.resolve("host_" + type + ".pub")).trim();
      String[] parts = pub.split(" ");
      known.append("[127.0.0.1]:").append(port).append(' ');
      known.append(parts[0]).append(' ').append(parts[1]).append('\n');
    }
    Files.writeString(knownHosts, known.toString());
    hook = new Thread(sshd::destroy, "stop-test-sshd");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Starts an sshd with {@code hostKeys}; skips the calling test when this machine cannot. */
  public static OpenSshServer start(HostKeys hostKeys) throws IOException, InterruptedException {
    return new OpenSshServer(hostKeys);
  }

  /**
   * Skips the test (JUnit assumption) where an sshd for password and key login cannot run: not
   * root. Fails, saying what to run, where it could but the set-up has not been done.
   */
  static void checkAvailable() {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "the OpenSSH tests run sshd as root (password login needs it); these tests run as "
            + System.getProperty("user.name"));
    if (!Files.isExecutable(SSHD) || !Files.isReadable(Path.of(PASSWORD_FILE))) {
      throw new IllegalStateException(
          "OpenSSH's sshd or the test account "
              + PASSWORD_USER
              + " is missing: run scripts/setup --test (it installs openssh-server and creates"
              + " the account)");
    }
  }

  private static boolean awaitBanner(Process p, int port) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline && p.isAlive()) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        byte[] b = new byte[8];
        int n = in.readNBytes(b, 0, 8);
        if (n == 8 && new String(b, StandardCharsets.US_ASCII).startsWith("SSH-2.0")) {
          return true;
        }
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    return false;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out.strip());
    }
  }

  public int port() {
    return port;
  }

  /** The user that logs in with {@link #keyFile()}: the tests' own. */
  public String keyUser() {
    return user;
  }

  /** The local folder under which the tests' SFTP paths are ({@link #uri} is relative to it). */
  public Path dir() {
    return served;
  }

  /** The folder {@value #PASSWORD_USER} owns: the password user's locations go under it. */
  public Path passwordRoot() {
    return served.resolve("pw");
  }

  /** The ed25519 private key of {@link #keyUser()}, encrypted with {@link #KEY_PASSPHRASE}. */
  public Path keyFile() {
    return keyFile;
  }

  /** A known_hosts file listing every host key of this server. */
  public Path knownHosts() {
    return knownHosts;
  }

  /** What sshd logged (VERBOSE), for messages of failed tests. */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code sftp://KEYUSER@127.0.0.1:PORT/…/served/root} for {@code root} under {@link #dir()}. */
  public URI uri(String root) {
    return URI.create("sftp://" + user + "@127.0.0.1:" + port + path(served) + root);
  }

  /** {@code sftp://ferry-sftp@127.0.0.1:PORT/…/served/pw/root}, under {@link #passwordRoot()}. */
  public URI passwordUri(String root) {
    return URI.create(
        "sftp://" + PASSWORD_USER + "@127.0.0.1:" + port + path(passwordRoot()) + root);
  }

  /** The server's path of a local path (they are the same machine's). */
  public String path(Path local) {
    return local.toAbsolutePath().toString();
  }

  /** The environment for key login, checking the host key against {@link #knownHosts()}. */
  public Map<String, String> keyEnv() {
    return new HashMap<>(
        Map.of(
            SftpSettings.KEY_FILE, keyFile.toString(),
            SftpSettings.KEY_PASSPHRASE, KEY_PASSPHRASE,
            SftpSettings.KNOWN_HOSTS, knownHosts.toString()));
  }

  /** The environment for password login, checking the host key against {@link #knownHosts()}. */
  public Map<String, String> passwordEnv() {
    return new HashMap<>(
        Map.of(SftpSettings.PASSWORD, password, SftpSettings.KNOWN_HOSTS, knownHosts.toString()));
  }

  /** Settings for key login to {@code root} under {@link #dir()}. */
  public SftpSettings keySettings(String root) {
    return SftpSettings.fromUri(uri(root), keyEnv());
  }

  /** Settings for password login to {@code root} under {@link #passwordRoot()}. */
  public SftpSettings passwordSettings(String root) {
    return SftpSettings.fromUri(passwordUri(root), passwordEnv());
  }

  @Override
  public void close() throws IOException {
    sshd.destroy();
    try {
      if (!sshd.waitFor(10, TimeUnit.SECONDS)) {
        sshd.destroyForcibly();
      }
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IllegalStateException shuttingDown) {
      // the JVM is ending; the hook stops it anyway
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
