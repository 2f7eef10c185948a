package dev.ferry.activities.storage.sftp;

import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageContract;
import dev.ferry.activities.testing.SftpTestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance suite again, logging in with an encrypted private key and checking the host key
 * against a known_hosts file, nested two folders deep on the server, against a server without the
 * {@code posix-rename@openssh.com} extension (overwrites take the remove + rename path).
 */
class SftpKeyAuthStorageTest extends StorageContract {
  @TempDir static Path work;
  static SftpTestServer server;
  private static int n;

  @BeforeAll
  static void start() throws Exception {
    server = SftpTestServer.startWithoutPosixRename(work);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @Override
  protected Storage newStorage() {
    return new SftpStorage(server.keySettings("/deep/er/root" + n++));
  }
}
