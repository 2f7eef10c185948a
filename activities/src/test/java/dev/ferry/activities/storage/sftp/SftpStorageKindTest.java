package dev.ferry.activities.storage.sftp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.storage.Entry;
import org.apache.sshd.sftp.client.SftpClient.Attributes;
import org.apache.sshd.sftp.common.SftpConstants;
import org.junit.jupiter.api.Test;

/**
 * What an SFTP entry is, from the attributes a server sends: version 3 carries the whole mode in
 * the permissions (OpenSSH sends {@code 010644} for a named pipe), later versions a type.
 */
class SftpStorageKindTest {
  private static Attributes perms(int mode) {
    Attributes a = new Attributes();
    a.setPermissions(mode);
    return a;
  }

  private static Attributes type(int type) {
    Attributes a = new Attributes();
    a.setType(type);
    return a;
  }

  @Test
  void readsTheFileTypeFromAVersion3Mode() {
    assertThat(SftpStorage.kind(perms(0100644))).isEqualTo(Entry.Kind.FILE);
    assertThat(SftpStorage.kind(perms(040755))).isEqualTo(Entry.Kind.FOLDER);
    assertThat(SftpStorage.kind(perms(0120777))).isEqualTo(Entry.Kind.LINK);
    assertThat(SftpStorage.kind(perms(010644))).isEqualTo(Entry.Kind.FIFO);
    assertThat(SftpStorage.kind(perms(0140755))).isEqualTo(Entry.Kind.SOCKET);
    assertThat(SftpStorage.kind(perms(020620))).isEqualTo(Entry.Kind.DEVICE);
    assertThat(SftpStorage.kind(perms(060660))).isEqualTo(Entry.Kind.DEVICE);
  }

  @Test
  void readsTheTypeOfLaterVersions() {
    assertThat(SftpStorage.kind(type(SftpConstants.SSH_FILEXFER_TYPE_FIFO)))
        .isEqualTo(Entry.Kind.FIFO);
    assertThat(SftpStorage.kind(type(SftpConstants.SSH_FILEXFER_TYPE_SOCKET)))
        .isEqualTo(Entry.Kind.SOCKET);
    assertThat(SftpStorage.kind(type(SftpConstants.SSH_FILEXFER_TYPE_BLOCK_DEVICE)))
        .isEqualTo(Entry.Kind.DEVICE);
    assertThat(SftpStorage.kind(type(SftpConstants.SSH_FILEXFER_TYPE_SPECIAL)))
        .isEqualTo(Entry.Kind.SPECIAL);
  }
}
