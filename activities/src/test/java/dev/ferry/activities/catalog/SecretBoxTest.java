package dev.ferry.activities.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {
  @TempDir Path dir;

  @Test
  void sealsWithAFreshIvAndOpensOnlyForTheSameOwnerAndKey() {
    SecretBox box = SecretBox.load(null, dir.resolve("master.key"));
    byte[] plain = "{\"secretAccessKey\":\"abc\"}".getBytes(StandardCharsets.UTF_8);
    byte[] a = box.seal(plain, "conn-1");
    byte[] b = box.seal(plain, "conn-1");
    assertThat(a).isNotEqualTo(b); // random IV
    assertThat(new String(a, StandardCharsets.ISO_8859_1)).doesNotContain("abc");
    assertThat(box.open(a, "conn-1")).isEqualTo(plain);
    assertThatThrownBy(() -> box.open(a, "conn-2")).hasMessageContaining("does not decrypt");
    a[a.length - 1] ^= 1;
    assertThatThrownBy(() -> box.open(a, "conn-1")).hasMessageContaining("does not decrypt");
    SecretBox other = SecretBox.load(null, dir.resolve("other.key"));
    assertThatThrownBy(() -> other.open(b, "conn-1")).hasMessageContaining("master key differs");
  }

  @Test
  void theKeyFileIsCreatedOwnerOnlyReusedAndRefusedWhenOthersCanReadIt() throws Exception {
    Path key = dir.resolve("home/master.key");
    SecretBox first = SecretBox.load(null, key);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    byte[] sealed = first.seal(new byte[] {1, 2, 3}, "x");
    assertThat(SecretBox.load(null, key).open(sealed, "x")).containsExactly(1, 2, 3);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> SecretBox.load(null, key))
        .hasMessageContaining("readable by others")
        .hasMessageContaining("chmod 600");
  }

  @Test
  void aMasterKeyFromTheEnvironmentMustBe32Base64Bytes() {
    String k = Base64.getEncoder().encodeToString(new byte[32]);
    assertThat(SecretBox.load(k, dir.resolve("unused")).seal(new byte[1], "x"))
        .hasSize(1 + 12 + 17);
    assertThat(dir.resolve("unused")).doesNotExist();
    assertThatThrownBy(() -> SecretBox.load("not base64!", dir.resolve("u")))
        .hasMessageContaining("FERRY_MASTER_KEY");
    assertThatThrownBy(() -> SecretBox.load(Base64.getEncoder().encodeToString(new byte[16]), dir))
        .hasMessageContaining("32 bytes");
  }
}
