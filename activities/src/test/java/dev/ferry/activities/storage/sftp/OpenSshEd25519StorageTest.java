package dev.ferry.activities.storage.sftp;

import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageContract;
import dev.ferry.activities.testing.OpenSshServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance suite against a real OpenSSH sshd whose only host key is ed25519 (what {@code
 * ssh-keygen} makes by default and hardened servers often offer alone), logging in with an
 * encrypted ed25519 user key and checking the host key against a known_hosts file.
 */
class OpenSshEd25519StorageTest extends StorageContract {
  static OpenSshServer server;
  private static int n;

  @BeforeAll
  static void start() throws Exception {
    server = OpenSshServer.start(OpenSshServer.HostKeys.ED25519_ONLY);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected Storage newStorage() {
    return new SftpStorage(server.keySettings("/deep/root" + n++));
  }
}
