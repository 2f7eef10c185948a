package dev.ferry.activities.storage.sftp;

import dev.ferry.activities.storage.LinkContract;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.testing.SftpTestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Links over SFTP: the in-process server serves a local folder, where the tests make links. */
class SftpStorageLinksTest extends LinkContract {
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
  protected Storage storageOver(Path root) {
    return new SftpStorage(server.settings("/" + server.dir().relativize(root)));
  }

  @Override
  protected boolean reportsSpecialFiles() {
    return false; // see SftpStorageKindTest for how a server's modes are read
  }

  @Override
  protected Path newDir() throws IOException {
    return Files.createDirectories(server.dir().resolve("t" + n++));
  }
}
