package dev.ferry.activities.storage.sftp;

import dev.ferry.activities.storage.LinkContract;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.testing.OpenSshServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Links and special files over SFTP from a real OpenSSH sshd, which sends a file's whole mode: a
 * named pipe is listed as a FIFO (Apache MINA's server lists it as a regular file).
 */
class OpenSshLinksTest extends LinkContract {
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
  protected Storage storageOver(Path root) {
    return new SftpStorage(
        SftpSettings.fromUri(server.uri("/" + server.dir().relativize(root)), server.keyEnv()));
  }

  @Override
  protected Path newDir() throws IOException {
    return Files.createDirectories(server.dir().resolve("t" + n++));
  }
}
