package dev.ferry.activities.storage.sftp;

import java.security.PublicKey;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether to trust an SFTP server's host key.
 *
 * <p>With {@value SftpSettings#KNOWN_HOSTS} set, the key must be listed for the host (OpenSSH
 * {@code known_hosts} format, {@code [host]:port} for other ports than 22); unknown hosts and
 * changed keys are refused and the file is never modified. Without it, every key is accepted — a
 * man in the middle could read and alter the transfer — so the first key seen for each host is
 * logged at WARN with its fingerprint, and a different key for the same host later in the same
 * process is logged again.
 */
final class HostKeys {
  private static final Logger log = LoggerFactory.getLogger(HostKeys.class);

  /** host:port → fingerprint of the key accepted without checking, once per process. */
  private static final Map<String, String> ACCEPTED = new ConcurrentHashMap<>();

  private HostKeys() {}

  /**
   * The verifier for {@code settings}. When it refuses a key it puts the reason in {@code refusal},
   * so the login failure can say why.
   */
  static ServerKeyVerifier verifier(SftpSettings settings, AtomicReference<String> refusal) {
    String host = settings.host() + ":" + settings.port();
    if (settings.knownHosts() != null) {
      ServerKeyVerifier known =
          new KnownHostsServerKeyVerifier(
              RejectAllServerKeyVerifier.INSTANCE, settings.knownHosts());
      return (session, address, key) -> {
        if (known.verifyServerKey(session, address, key)) {
          return true;
        }
        refusal.set(
            "the host key of "
                + host
                + " ("
                + describe(key)
                + ") is not listed for that host in "
                + SftpSettings.KNOWN_HOSTS
                + "="
                + settings.knownHosts()
                + " (an unknown host, or its key changed): check the fingerprint with the server's"
                + " administrator, then add the key (ssh-keyscan -p "
                + settings.port()
                + " "
                + settings.host()
                + ")");
        return false;
      };
    }
    return (session, address, key) -> {
      String fingerprint = describe(key);
      String before = ACCEPTED.put(host, fingerprint);
      if (before == null) {
        log.warn(
            "accepting the SFTP host key of {} without checking it: {}. Set {} to a known_hosts"
                + " file to verify servers.",
            host,
            fingerprint,
            SftpSettings.KNOWN_HOSTS);
      } else if (!before.equals(fingerprint)) {
        log.warn(
            "the SFTP host key of {} CHANGED since it was first seen in this process: was {}, now"
                + " {}. Accepting it because {} is not set; this is what a man-in-the-middle"
                + " attack looks like.",
            host,
            before,
            fingerprint,
            SftpSettings.KNOWN_HOSTS);
      }
      return true;
    };
  }

  private static String describe(PublicKey key) {
    return KeyUtils.getKeyType(key) + " " + KeyUtils.getFingerPrint(key);
  }
}
