package dev.ferry.activities.storage.sftp;

import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageContract;
import dev.ferry.activities.testing.SftpTestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The conformance suite against an in-process SFTP server, logging in with a password. */
class SftpStorageTest extends StorageContract {
  @TempDir static Path work;
  static SftpTestServer server;
  private static int n;

  @BeforeAll
  static void start() throws Exception {
    server = SftpTestServer.start(work);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @Override
  protected Storage newStorage() {
    return new SftpStorage(server.settings("/root" + n++));
  }
}
