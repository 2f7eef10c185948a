package dev.ferry.activities.storage.sftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.activities.testing.OpenSshServer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logins against a real OpenSSH sshd: ed25519 host and user keys work, and what can never work (no
 * host key algorithm in common, a refused password or key, an unlisted host key) fails at once as a
 * kind that is not retried, saying what the server offered and what to change.
 */
class OpenSshErrorsTest {
  @TempDir static Path work;
  static OpenSshServer ed25519;

  @BeforeAll
  static void start() throws Exception {
    ed25519 = OpenSshServer.start(OpenSshServer.HostKeys.ED25519_ONLY);
  }

  @AfterAll
  static void stop() throws Exception {
    if (ed25519 != null) {
      ed25519.close();
    }
  }

  @Test
  void anEd25519OnlyServerTakesAnEd25519KeyAndPasswordAndChecksItsHostKey() throws Exception {
    byte[] data = "over ed25519".getBytes(StandardCharsets.UTF_8);
    try (Storage s = new SftpStorage(ed25519.keySettings("/ok"))) {
      s.write(
          "a.txt",
          Entry.file("a.txt", data.length, 1_700_000_000_000L),
          new ByteArrayInputStream(data),
          new Storage.WriteOptions(true, 5L << 20));
    }
    assertThat(Files.readAllBytes(ed25519.dir().resolve("ok/a.txt"))).isEqualTo(data);
    try (Storage s = new SftpStorage(ed25519.passwordSettings("/ok"))) {
      assertThat(s.stat("nothing")).isEmpty();
    }
    assertThat(ed25519.log()).contains("Accepted publickey for root").contains("ED25519");
  }

  @Test
  void noHostKeyAlgorithmInCommonIsPermanentAndNamesWhatTheServerOffers() throws Exception {
    try (OpenSshServer dsa = OpenSshServer.start(OpenSshServer.HostKeys.DSA_ONLY)) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> new SftpStorage(dsa.passwordSettings("/")).close())
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("127.0.0.1:" + dsa.port())
          .hasMessageContaining("offers only host key algorithms [ssh-dss]")
          .hasMessageContaining("ssh-ed25519");
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(20);
    }
  }

  @Test
  void aWrongPasswordIsAccessDeniedAtOnce() {
    Map<String, String> env = ed25519.passwordEnv();
    env.put(SftpSettings.PASSWORD, "not-the-password");
    assertThatThrownBy(
            () -> new SftpStorage(SftpSettings.fromUri(ed25519.passwordUri("/"), env)).close())
        .isInstanceOf(StorageException.AccessDenied.class)
        .hasMessageContaining("refused the login of user '" + OpenSshServer.PASSWORD_USER + "'")
        .hasMessageContaining(SftpSettings.PASSWORD)
        .hasMessageNotContaining("not-the-password");
  }

  @Test
  void anEd25519KeyTheServerDoesNotListIsAccessDenied() throws Exception {
    Path other = work.resolve("other_ed25519");
    Process p =
        new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString())
            .start();
    assertThat(p.waitFor()).isZero();
    Map<String, String> env = ed25519.keyEnv();
    env.put(SftpSettings.KEY_FILE, other.toString());
    env.remove(SftpSettings.KEY_PASSPHRASE);
    assertThatThrownBy(() -> new SftpStorage(SftpSettings.fromUri(ed25519.uri("/"), env)).close())
        .isInstanceOf(StorageException.AccessDenied.class)
        .hasMessageContaining("refused the login of user '" + ed25519.keyUser() + "'")
        .hasMessageContaining("the key in " + SftpSettings.KEY_FILE)
        .hasMessageContaining("ssh-ed25519");
  }

  @Test
  void anEd25519HostKeyMissingFromKnownHostsIsRefusedWithItsFingerprint() throws Exception {
    Path empty = Files.writeString(work.resolve("empty_known_hosts"), "");
    Map<String, String> env = ed25519.keyEnv();
    env.put(SftpSettings.KNOWN_HOSTS, empty.toString());
    assertThatThrownBy(() -> new SftpStorage(SftpSettings.fromUri(ed25519.uri("/"), env)).close())
        .isInstanceOf(StorageException.AccessDenied.class)
        .hasMessageContaining(SftpSettings.KNOWN_HOSTS)
        .hasMessageContaining("ssh-ed25519 SHA256:");
  }
}
