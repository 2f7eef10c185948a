package dev.ferry.activities.testing;

import dev.ferry.activities.storage.sftp.SftpSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.ChannelListener;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSessionFactory;
import org.apache.sshd.sftp.SftpModuleProperties;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * A real SFTP server in process: Apache MINA SSHD's {@code SshServer} with the SFTP subsystem on a
 * free loopback port, serving a folder as its whole file system ({@code /} on the server is {@link
 * #dir()}). One user, {@value #USER}, logs in with {@value #PASSWORD} or with the generated key
 * pair whose private key is written (OpenSSH format, encrypted with {@value #KEY_PASSPHRASE}) to
 * {@link #keyFile()}.
 */
public final class SftpTestServer implements AutoCloseable {
  public static final String USER = "ferry";
  public static final String PASSWORD = "s3cret-test-password";
  public static final String KEY_PASSPHRASE = "test key passphrase";

  private final Path dir;
  private final Path keyFile;
  private final Path knownHosts;
  private final SshServer server;

  private SftpTestServer(Path work, boolean posixRename, int maxChannels, String identification)
      throws IOException, GeneralSecurityException {
    this(work, posixRename, maxChannels, identification, false, server -> {});
  }

  private SftpTestServer(
      Path work,
      boolean posixRename,
      int maxChannels,
      String identification,
      boolean ed25519,
      Consumer<SshServer> tweak)
      throws IOException, GeneralSecurityException {
    this.dir = Files.createDirectories(work.resolve("served"));
    KeyPair hostKey = ed25519 ? generateEd25519() : generate();
    KeyPair userKey = ed25519 ? generateEd25519() : generate();
    this.keyFile = work.resolve(ed25519 ? "id_ed25519" : "id_ecdsa");
    OpenSSHKeyEncryptionContext encryption = new OpenSSHKeyEncryptionContext();
    encryption.setCipherName("AES");
    encryption.setCipherType("256");
    encryption.setPassword(KEY_PASSPHRASE);
    try (OutputStream out = Files.newOutputStream(keyFile)) {
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(userKey, "ferry test", encryption, out);
    }
    PublicKey allowed = userKey.getPublic();
    server = SshServer.setUpDefaultServer();
    server.setHost("127.0.0.1");
    server.setPort(0);
    server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    server.setPasswordAuthenticator(
        (user, password, session) -> USER.equals(user) && PASSWORD.equals(password));
    server.setPublickeyAuthenticator(
        (user, key, session) -> USER.equals(user) && KeyUtils.compareKeys(allowed, key));
    server.setKeyboardInteractiveAuthenticator(null);
    server.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
    server.setFileSystemFactory(new VirtualFileSystemFactory(dir));
    // Without it Nagle's algorithm and delayed ACKs add ~40 ms to many replies on loopback.
    CoreModuleProperties.TCP_NODELAY.set(server, true);
    if (identification != null) {
      CoreModuleProperties.SERVER_IDENTIFICATION.set(server, identification);
    }
    if (maxChannels > 0) {
      server.setChannelFactories(List.of(limitedSessions(maxChannels)));
    }
    if (!posixRename) {
      // Advertise only fsync, like servers without OpenSSH's extensions: renames then refuse an
      // existing target and the client must fall back to remove + rename.
      SftpModuleProperties.OPENSSH_EXTENSIONS.set(server, "fsync@openssh.com=1");
    }
    tweak.accept(server);
    server.start();
    this.knownHosts = work.resolve("known_hosts");
    Files.writeString(
        knownHosts,
        "[127.0.0.1]:" + port() + " " + PublicKeyEntry.toString(hostKey.getPublic()) + "\n");
  }

  /**
   * Session channels limited per connection the way OpenSSH's {@code MaxSessions} does it: a
   * channel over the limit is refused with SSH_MSG_CHANNEL_OPEN_FAILURE and the connection stays
   * up. (MINA's own MAX_CONCURRENT_CHANNELS closes the whole connection instead.)
   */
  private static ChannelFactory limitedSessions(int max) {
    AttributeRepository.AttributeKey<AtomicInteger> open = new AttributeRepository.AttributeKey<>();
    return new ChannelFactory() {
      @Override
      public String getName() {
        return ChannelSessionFactory.INSTANCE.getName();
      }

      @Override
      public Channel createChannel(Session session) throws IOException {
        AtomicInteger count = session.computeAttributeIfAbsent(open, k -> new AtomicInteger());
        if (count.incrementAndGet() > max) {
          count.decrementAndGet();
          return null;
        }
        Channel channel = ChannelSessionFactory.INSTANCE.createChannel(session);
        channel.addChannelListener(
            new ChannelListener() {
              @Override
              public void channelClosed(Channel c, Throwable reason) {
                count.decrementAndGet();
              }
            });
        return channel;
      }
    };
  }

  /** Starts a server keeping its files and keys under {@code work}. */
  public static SftpTestServer start(Path work) throws IOException, GeneralSecurityException {
    return new SftpTestServer(work, true, 0, null);
  }

  /**
   * Starts a server that identifies itself as {@code identification} (what follows {@code
   * SSH-2.0-}), for example {@code OpenSSH_for_Windows_9.5}.
   */
  public static SftpTestServer startIdentifyingAs(Path work, String identification)
      throws IOException, GeneralSecurityException {
    return new SftpTestServer(work, true, 0, identification);
  }

  /** Starts a server that does not offer the {@code posix-rename@openssh.com} extension. */
  public static SftpTestServer startWithoutPosixRename(Path work)
      throws IOException, GeneralSecurityException {
    return new SftpTestServer(work, false, 0, null);
  }

  /** Starts a server that refuses more than {@code max} channels per connection. */
  public static SftpTestServer startWithMaxChannels(Path work, int max)
      throws IOException, GeneralSecurityException {
    return new SftpTestServer(work, true, max, null);
  }

  /**
   * Starts a server whose only key exchange is {@code diffie-hellman-group1-sha1} (1024-bit, which
   * OpenSSH turned off in 7.0 and MINA SSHD's client no longer offers): no algorithm in common.
   */
  public static SftpTestServer startWithOnlyObsoleteKeyExchange(Path work)
      throws IOException, GeneralSecurityException {
    return new SftpTestServer(
        work,
        true,
        0,
        null,
        false,
        s ->
            s.setKeyExchangeFactories(
                NamedFactory.setUpTransformedFactories(
                    false, List.of(BuiltinDHFactories.dhg1), ServerBuilder.DH2KEX)));
  }

  /**
   * Starts a server whose host key and user key are ed25519 (the user key written encrypted in
   * OpenSSH's format, as {@code ssh-keygen} writes it): what MINA SSHD's client can only verify and
   * sign with an EdDSA provider on the classpath.
   */
  public static SftpTestServer startWithEd25519Keys(Path work)
      throws IOException, GeneralSecurityException {
    return new SftpTestServer(work, true, 0, null, true, s -> {});
  }

  private static KeyPair generateEd25519() throws GeneralSecurityException {
    return SecurityUtils.getKeyPairGenerator(SecurityUtils.ED25519).generateKeyPair();
  }

  private static KeyPair generate() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    return g.generateKeyPair();
  }

  public int port() {
    return server.getPort();
  }

  /** The local folder the server shows as {@code /}. */
  public Path dir() {
    return dir;
  }

  /** The client's private key (OpenSSH format, encrypted with {@link #KEY_PASSPHRASE}). */
  public Path keyFile() {
    return keyFile;
  }

  /** A known_hosts file listing this server's host key. */
  public Path knownHosts() {
    return knownHosts;
  }

  /** {@code sftp://ferry@127.0.0.1:PORT/root} ({@code root} absolute on the server). */
  public URI uri(String root) {
    return URI.create("sftp://" + USER + "@127.0.0.1:" + port() + root);
  }

  /** Settings for password login to {@code root} (absolute on the server). */
  public SftpSettings settings(String root) {
    return SftpSettings.fromUri(uri(root), passwordEnv());
  }

  /** Settings for key login to {@code root}, checking the host key against {@link #knownHosts}. */
  public SftpSettings keySettings(String root) {
    return SftpSettings.fromUri(uri(root), keyEnv());
  }

  /** The environment for password login. */
  public Map<String, String> passwordEnv() {
    return new HashMap<>(Map.of(SftpSettings.PASSWORD, PASSWORD));
  }

  /** The environment for key login with host-key checking. */
  public Map<String, String> keyEnv() {
    return new HashMap<>(
        Map.of(
            SftpSettings.KEY_FILE, keyFile.toString(),
            SftpSettings.KEY_PASSPHRASE, KEY_PASSPHRASE,
            SftpSettings.KNOWN_HOSTS, knownHosts.toString()));
  }

  /** Closes every client connection abruptly, as a network failure would. */
  public void dropConnections() {
    server.getActiveSessions().forEach(s -> s.close(true));
  }

  @Override
  public void close() throws IOException {
    server.stop(true);
  }
}
