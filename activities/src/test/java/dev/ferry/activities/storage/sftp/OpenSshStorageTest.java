package dev.ferry.activities.storage.sftp;

import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageContract;
import dev.ferry.activities.testing.OpenSshServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance suite against a real OpenSSH sshd offering ed25519, ECDSA and RSA host keys,
 * logging in with a password and checking the host key against a known_hosts file.
 */
class OpenSshStorageTest extends StorageContract {
  static OpenSshServer server;
  private static int n;

  @BeforeAll
  static void start() throws Exception {
    server = OpenSshServer.start(OpenSshServer.HostKeys.ALL);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected Storage newStorage() {
    return new SftpStorage(server.passwordSettings("/root" + n++));
  }
}
