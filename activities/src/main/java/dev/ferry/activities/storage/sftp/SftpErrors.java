package dev.ferry.activities.storage.sftp;

import dev.ferry.activities.storage.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * Maps SFTP and SSH failures onto {@link StorageException} kinds, in plain words followed by the
 * server's own message. Deciding how to react (retry or not) is the engine's job; this only says
 * what happened.
 *
 * <ul>
 *   <li>no such file or path: {@link StorageException.NotFound}
 *   <li>permission denied, write-protected: {@link StorageException.AccessDenied}
 *   <li>out of space, over quota, folder not empty, a file where a folder is needed (or the other
 *       way round), invalid name, unsupported operation: {@link StorageException.Permanent}
 *   <li>everything else, including a generic {@code SSH_FX_FAILURE}, a lost connection and other
 *       I/O errors: {@link StorageException.Transient}
 * </ul>
 *
 * Login failures are classified by {@link #login}.
 */
final class SftpErrors {
  private SftpErrors() {}

  /** The failure of {@code what} (for example {@code "write sftp://u@h/x"}). */
  static StorageException classify(String what, Throwable e) {
    if (e instanceof StorageException se) {
      return se;
    }
    if (e instanceof UncheckedIOException u && u.getCause() != null) {
      return classify(what, u.getCause());
    }
    String msg = what + ": " + describe(e);
    if (e instanceof SftpException s) {
      return switch (s.getStatus()) {
        case SftpConstants.SSH_FX_NO_SUCH_FILE, SftpConstants.SSH_FX_NO_SUCH_PATH ->
            new StorageException.NotFound(msg, e);
        case SftpConstants.SSH_FX_PERMISSION_DENIED, SftpConstants.SSH_FX_WRITE_PROTECT ->
            new StorageException.AccessDenied(msg, e);
        case SftpConstants.SSH_FX_NO_SPACE_ON_FILESYSTEM, SftpConstants.SSH_FX_QUOTA_EXCEEDED ->
            new StorageException.Permanent(msg + " (the server is out of space or quota)", e);
        case SftpConstants.SSH_FX_DIR_NOT_EMPTY ->
            new StorageException.Permanent(msg + " (the folder is not empty)", e);
        case SftpConstants.SSH_FX_FILE_ALREADY_EXISTS,
            SftpConstants.SSH_FX_NOT_A_DIRECTORY,
            SftpConstants.SSH_FX_FILE_IS_A_DIRECTORY ->
            new StorageException.Permanent(
                msg + " (a file stands where a folder is needed, or the other way round)", e);
        case SftpConstants.SSH_FX_INVALID_FILENAME,
            SftpConstants.SSH_FX_LINK_LOOP,
            SftpConstants.SSH_FX_OP_UNSUPPORTED,
            SftpConstants.SSH_FX_INVALID_PARAMETER ->
            new StorageException.Permanent(msg, e);
        default -> new StorageException.Transient(msg, e);
      };
    }
    return new StorageException.Transient(msg, e);
  }

  /** True when {@code e} says the path does not exist. */
  static boolean isNotFound(Throwable e) {
    return e instanceof SftpException s
        && (s.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE
            || s.getStatus() == SftpConstants.SSH_FX_NO_SUCH_PATH);
  }

  /** A failure to reach the server at all. */
  static StorageException connect(SftpSettings s, IOException e) {
    String msg = "cannot connect to SFTP server " + s.host() + ":" + s.port() + ": " + describe(e);
    Throwable root = rootCause(e);
    if (root instanceof UnknownHostException || root instanceof UnresolvedAddressException) {
      return new StorageException.Permanent(msg + " (unknown host name)", e);
    }
    if (root instanceof ConnectException || root instanceof NoRouteToHostException) {
      return new StorageException.Transient(msg + " (is the server running and reachable?)", e);
    }
    return new StorageException.Transient(msg, e);
  }

  /**
   * A failed login: the host key was refused ({@code hostKeyRefusal} non-null), or the server
   * refused the credentials.
   */
  static StorageException login(SftpSettings s, IOException e, String hostKeyRefusal) {
    if (hostKeyRefusal != null) {
      return new StorageException.AccessDenied("refusing SFTP server: " + hostKeyRefusal, e);
    }
    String tried =
        (s.password() != null ? SftpSettings.PASSWORD : "")
            + (s.password() != null && s.keyFile() != null ? " and " : "")
            + (s.keyFile() != null ? "the key in " + SftpSettings.KEY_FILE : "");
    String detail = describe(e);
    // MINA SSHD's words when the server has refused every credential offered.
    if (detail.toLowerCase(java.util.Locale.ROOT).contains("authentication")) {
      return new StorageException.AccessDenied(
          "the SFTP server "
              + s.host()
              + ":"
              + s.port()
              + " refused the login of user '"
              + s.user()
              + "' with "
              + tried
              + ": check "
              + SftpSettings.PASSWORD
              + " or "
              + SftpSettings.KEY_FILE
              + " (and "
              + SftpSettings.KEY_PASSPHRASE
              + ") and the user name in the location ("
              + detail
              + ")",
          e);
    }
    return new StorageException.Transient(
        "logging in to SFTP server " + s.host() + ":" + s.port() + " failed: " + detail, e);
  }

  /** The server's message, with the SFTP status name when there is one. */
  static String describe(Throwable e) {
    if (e instanceof SftpException s) {
      String name = SftpConstants.getStatusName(s.getStatus());
      return s.getMessage() == null || s.getMessage().isEmpty()
          ? name
          : s.getMessage() + " (" + name + ")";
    }
    Throwable root = rootCause(e);
    String m = e.getMessage();
    if (m == null || m.isEmpty()) {
      m = e.getClass().getSimpleName();
    }
    if (root != e && root.getMessage() != null && !m.contains(root.getMessage())) {
      m = m + ": " + root.getMessage();
    }
    return m;
  }

  static Throwable rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
