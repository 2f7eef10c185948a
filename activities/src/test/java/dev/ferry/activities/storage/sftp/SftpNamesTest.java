package dev.ferry.activities.storage.sftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.NameRules;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.activities.testing.SftpTestServer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SFTP separates folders with {@code /} only, so a backslash is an ordinary character, unless the
 * server runs on Windows and hands names to a file system that splits them at {@code \}.
 */
class SftpNamesTest {
  @TempDir Path work;

  @Test
  void onAPosixServerABackslashStaysInTheName() throws Exception {
    try (SftpTestServer server = SftpTestServer.start(work);
        SftpStorage s = new SftpStorage(server.settings("/r"))) {
      assertThat(s.nameRules()).isSameAs(NameRules.NONE);
      put(s, "d/a\\..\\..\\b.txt");
      assertThat(server.dir().resolve("r/d/a\\..\\..\\b.txt")).hasContent("data");
      try (var files = Files.list(server.dir())) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly("r");
      }
    }
  }

  @Test
  void aServerThatSaysItRunsOnWindowsReadsABackslashAsASeparator() throws Exception {
    try (SftpTestServer server =
            SftpTestServer.startIdentifyingAs(work, "OpenSSH_for_Windows_9.5");
        SftpStorage s = new SftpStorage(server.settings("/r"))) {
      assertThat(s.nameRules().backslashSeparator()).isTrue();
      assertThat(s.nameRules().problem("d/a\\b.txt"))
          .contains("'a\\b.txt' contains '\\', which the SFTP server reads as a folder separator");
      assertThatThrownBy(() -> put(s, "a\\..\\..\\b.txt"))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("backslash");
      put(s, "plain.txt"); // everything else as usual
      assertThat(server.dir().resolve("r/plain.txt")).hasContent("data");
    }
  }

  @Test
  void windowsIsToldByTheIdentificationOrByADriveLetterInTheRoot() {
    assertThat(SftpStorage.windowsServer("SSH-2.0-OpenSSH_for_Windows_8.1", "/data")).isTrue();
    assertThat(SftpStorage.windowsServer("SSH-2.0-9.31 FlowSsh: Bitvise SSH Server (WinSSHD)", "/"))
        .isTrue();
    assertThat(SftpStorage.windowsServer("SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13", "/C:/data"))
        .isTrue();
    assertThat(SftpStorage.windowsServer("SSH-2.0-OpenSSH_9.6p1", "/d:")).isTrue();
    assertThat(SftpStorage.windowsServer("SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13", "/home/ferry"))
        .isFalse();
    assertThat(SftpStorage.windowsServer("SSH-2.0-APACHE-SSHD-2.20.0", "/C:data")).isFalse();
  }

  private static void put(Storage s, String path) {
    byte[] data = "data".getBytes(StandardCharsets.UTF_8);
    s.write(
        path,
        Entry.file(path, data.length, 1_600_000_000_000L),
        new ByteArrayInputStream(data),
        new Storage.WriteOptions(true, 1 << 20));
  }
}
