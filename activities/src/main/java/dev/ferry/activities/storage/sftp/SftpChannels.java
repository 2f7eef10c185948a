package dev.ferry.activities.storage.sftp;

import dev.ferry.activities.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.client.SftpVersionSelector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SSH connection and up to {@link SftpSettings#channels()} SFTP channels on it, shared by every
 * thread of one {@link SftpStorage}.
 *
 * <p>Why a pool of shared channels: MINA SSHD's {@code SftpClient} is thread-safe (requests carry
 * ids and replies are matched to them; its own {@code SftpFileSystem} shares one client between
 * threads since 2.17), so correctness does not need one channel per thread. But a server handles
 * the requests of one channel one after the other (OpenSSH runs one {@code sftp-server} process per
 * channel), and each channel has its own flow-control window, so a few channels let the server work
 * on several files at once. Each {@link #lease()} takes the channel with the fewest users; leases
 * never block, so 32 parallel streams share 4 channels without waiting for each other and without
 * the deadlock an exclusive pool risks when one thread needs two channels. Channels open on demand.
 *
 * <p>A channel found closed is replaced; a lost connection is re-established (and logged in again)
 * by the next lease, so a long migration survives a dropped connection: the requests in flight fail
 * as {@link StorageException.Transient} and are retried by the engine.
 *
 * <p>The client speaks SFTP version 3, the version OpenSSH and nearly every server speak, so tests
 * against the in-process server exercise the same code paths as production.
 */
final class SftpChannels implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SftpChannels.class);
  static final int SFTP_VERSION = 3;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration AUTH_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final SftpSettings settings;
  private final SshClient client;
  private final AtomicReference<String> hostKeyRefusal = new AtomicReference<>();
  private final KeyPair key;
  private final Slot[] slots;
  // A lock rather than synchronized: leases are taken from virtual threads, and connecting blocks.
  private final ReentrantLock lock = new ReentrantLock();
  private ClientSession session; // guarded by lock
  private boolean closed; // guarded by lock
  private boolean warnedFewer; // guarded by lock
  private volatile String serverVersion = "";

  /** Connects and logs in at once, so bad credentials fail here rather than mid-run. */
  SftpChannels(SftpSettings settings) {
    this.settings = settings;
    this.key = settings.keyFile() == null ? null : loadKey(settings);
    this.slots = new Slot[settings.channels()];
    for (int i = 0; i < slots.length; i++) {
      slots[i] = new Slot();
    }
    client = SshClient.setUpDefaultClient();
    // Only what the settings say: no ~/.ssh/config, no keys picked up from ~/.ssh.
    client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
    client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
    client.setServerKeyVerifier(HostKeys.verifier(settings, hostKeyRefusal));
    CoreModuleProperties.TCP_NODELAY.set(client, true);
    client.start();
    lock.lock();
    try {
      session = connect();
    } catch (RuntimeException e) {
      client.stop();
      throw e;
    } finally {
      lock.unlock();
    }
  }

  /** The server's identification string ({@code SSH-2.0-OpenSSH_9.6}), from the last login. */
  String serverVersion() {
    return serverVersion;
  }

  /** A channel to use for one operation or one open stream; close the lease when done. */
  Lease lease() {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException(
            "the SFTP connection to " + settings.describe() + " is closed");
      }
      if (session == null || !session.isOpen() || session.isClosing()) {
        reconnect();
      }
      Slot best = leastUsed(false);
      if (!best.isOpen()) {
        closeQuietly(best.sftp);
        best.sftp = null;
        try {
          best.sftp =
              SftpClientFactory.instance()
                  .createSftpClient(
                      session, SftpVersionSelector.fixedVersionSelector(SFTP_VERSION));
        } catch (IOException e) {
          // A server may allow fewer channels than configured (OpenSSH: MaxSessions): go on
          // with the channels already open, if any.
          Slot open = leastUsed(true);
          if (open == null) {
            throw SftpErrors.classify("opening an SFTP channel to " + settings.describe(), e);
          }
          best.refused = true;
          if (!warnedFewer) {
            warnedFewer = true;
            log.warn(
                "the SFTP server {}:{} refused to open more than {} channels ({}); going on with"
                    + " those. Lower {} to avoid this message.",
                settings.host(),
                settings.port(),
                openCount(),
                SftpErrors.rootCause(e).getMessage(),
                SftpSettings.CHANNELS);
          }
          best = open;
        }
      }
      best.users.incrementAndGet();
      return new Lease(best, best.sftp);
    } finally {
      lock.unlock();
    }
  }

  /** The usable slot with the fewest users, preferring open channels; null if none qualifies. */
  private Slot leastUsed(boolean openOnly) {
    Slot best = null;
    for (Slot s : slots) {
      if (s.refused || (openOnly && !s.isOpen())) {
        continue;
      }
      if (best == null
          || s.users.get() < best.users.get()
          || (s.users.get() == best.users.get() && s.isOpen() && !best.isOpen())) {
        best = s;
      }
    }
    return best;
  }

  private int openCount() {
    int n = 0;
    for (Slot s : slots) {
      n += s.isOpen() ? 1 : 0;
    }
    return n;
  }

  private void reconnect() {
    for (Slot s : slots) {
      closeQuietly(s.sftp);
      s.sftp = null;
      s.refused = false;
    }
    if (session != null) {
      session.close(true);
    }
    session = null;
    session = connect();
  }

  private ClientSession connect() {
    hostKeyRefusal.set(null);
    ClientSession s;
    try {
      s =
          client
              .connect(settings.user(), settings.host(), settings.port())
              .verify(CONNECT_TIMEOUT)
              .getSession();
    } catch (IOException e) {
      throw SftpErrors.connect(settings, e);
    }
    try {
      if (settings.password() != null) {
        s.addPasswordIdentity(settings.password());
      }
      if (key != null) {
        s.addPublicKeyIdentity(key);
      }
      s.auth().verify(AUTH_TIMEOUT);
      String version = s.getServerVersion();
      serverVersion = version == null ? "" : version;
      return s;
    } catch (IOException e) {
      s.close(true);
      throw SftpErrors.login(
          settings,
          e,
          hostKeyRefusal.get(),
          key == null
              ? null
              : KeyUtils.getKeyType(key.getPublic())
                  + " "
                  + KeyUtils.getFingerPrint(key.getPublic()));
    }
  }

  private static KeyPair loadKey(SftpSettings s) {
    FilePasswordProvider passphrase =
        s.keyPassphrase() == null
            ? FilePasswordProvider.EMPTY
            : FilePasswordProvider.of(s.keyPassphrase());
    try (InputStream in = Files.newInputStream(s.keyFile())) {
      Iterable<KeyPair> keys =
          SecurityUtils.loadKeyPairIdentities(
              null, NamedResource.ofName(s.keyFile().toString()), in, passphrase);
      Iterator<KeyPair> it = keys == null ? null : keys.iterator();
      if (it == null || !it.hasNext()) {
        throw new StorageException.AccessDenied(
            SftpSettings.KEY_FILE + "=" + s.keyFile() + " holds no private key", null);
      }
      return it.next();
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      if (e instanceof StorageException se) {
        throw se;
      }
      throw new StorageException.AccessDenied(
          "cannot read the private key in "
              + SftpSettings.KEY_FILE
              + "="
              + s.keyFile()
              + ": "
              + SftpErrors.describe(e)
              + (s.keyPassphrase() == null
                  ? " (if the key is encrypted, set " + SftpSettings.KEY_PASSPHRASE + ")"
                  : " (is " + SftpSettings.KEY_PASSPHRASE + " right?)"),
          e);
    }
  }

  private static void closeQuietly(SftpClient c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // the channel is being replaced or the connection closed; nothing to save
      }
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      // Politely, channels first (the server logs no "connection reset"), but never wait long
      // for a dead peer: stop() below drops whatever is left.
      List<CloseFuture> closing = new ArrayList<>();
      for (Slot s : slots) {
        if (s.isOpen()) {
          closing.add(s.sftp.getClientChannel().close(false));
        }
        s.sftp = null;
      }
      long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
      for (CloseFuture f : closing) {
        f.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      }
      if (session != null) {
        session.close(false).await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      }
    } catch (InterruptedIOException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // closing anyway: stop() below drops the connection
    } finally {
      lock.unlock();
      client.stop();
    }
  }

  /** One channel and how many leases use it. */
  private static final class Slot {
    final AtomicInteger users = new AtomicInteger();
    SftpClient sftp; // guarded by the pool's lock
    boolean refused; // the server refused to open this channel; guarded by the pool's lock

    boolean isOpen() {
      return sftp != null && sftp.isOpen();
    }
  }

  /** The use of one channel; closing it gives the channel back. Close it exactly once. */
  static final class Lease implements AutoCloseable {
    private final Slot slot;
    private final SftpClient sftp;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private Lease(Slot slot, SftpClient sftp) {
      this.slot = slot;
      this.sftp = sftp;
    }

    SftpClient sftp() {
      return sftp;
    }

    @Override
    public void close() {
      if (open.getAndSet(false)) {
        slot.users.decrementAndGet();
      }
    }
  }
}
