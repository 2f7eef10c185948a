package dev.ferry.activities.storage.sftp;

import dev.ferry.activities.storage.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * Login failures are classified by {@link #login}: a refused host key or refused credentials are
 * {@link StorageException.AccessDenied}, a key exchange with no algorithm in common (say, a server
 * offering only {@code ssh-dss} host keys) is {@link StorageException.Permanent}; neither is
 * retried.
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
    StorageException noCommon = negotiation(s, e);
    if (noCommon != null) {
      return noCommon;
    }
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
  static StorageException login(
      SftpSettings s, IOException e, String hostKeyRefusal, String keyDescription) {
    if (hostKeyRefusal != null) {
      return new StorageException.AccessDenied("refusing SFTP server: " + hostKeyRefusal, e);
    }
    StorageException noCommon = negotiation(s, e);
    if (noCommon != null) {
      return noCommon;
    }
    String tried =
        (s.password() != null ? "the password in " + SftpSettings.PASSWORD : "")
            + (s.password() != null && s.keyFile() != null ? " and " : "")
            + (s.keyFile() != null
                ? "the key in "
                    + SftpSettings.KEY_FILE
                    + (keyDescription == null ? "" : " (" + keyDescription + ")")
                : "");
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
              + ") and the user name in the location"
              + (s.keyFile() != null
                  ? ", and that the key's public half is in the user's authorized_keys on the"
                      + " server"
                  : "")
              + " ("
              + detail
              + ")",
          e);
    }
    return new StorageException.Transient(
        "logging in to SFTP server " + s.host() + ":" + s.port() + " failed: " + detail, e);
  }

  /**
   * MINA SSHD's words when the two sides have no algorithm of one kind in common: {@code Unable to
   * negotiate key exchange for server host key algorithms (client: a,b / server: c)}.
   */
  private static final Pattern NO_COMMON =
      Pattern.compile(
          "Unable to negotiate key exchange for (.+?) \\(client: (.*?) / server: (.*)\\)");

  /**
   * The failure of a key exchange with no algorithm in common, or null when {@code e} is another
   * failure. Permanent: the same client meets the same server the same way every time, so only a
   * change of the server's configuration helps, and the message says which.
   */
  static StorageException negotiation(SftpSettings s, Throwable e) {
    Matcher m = null;
    for (Throwable t = e; t != null && m == null; t = t.getCause() == t ? null : t.getCause()) {
      Matcher candidate = t.getMessage() == null ? null : NO_COMMON.matcher(t.getMessage());
      if (candidate != null && candidate.find()) {
        m = candidate;
      }
    }
    if (m == null) {
      return null;
    }
    String kind = m.group(1);
    List<String> client = readable(m.group(2), true);
    List<String> server = readable(m.group(3), false);
    String what;
    String fix;
    if (kind.contains("host key")) {
      what = "host key algorithms";
      fix =
          "give the server a host key of a type Ferry speaks (ssh-keygen -t ed25519 -f"
              + " /etc/ssh/ssh_host_ed25519_key, a HostKey line for it in sshd_config, and"
              + " ssh-ed25519 in HostKeyAlgorithms if that is set), or ask its administrator to";
    } else if (kind.contains("kex")) {
      what = "key exchange algorithms";
      fix =
          "enable one of those in the server's KexAlgorithms (OpenSSH: sshd_config), or ask its"
              + " administrator to";
    } else if (kind.contains("encryption")) {
      what = "ciphers";
      fix = "enable one of those in the server's Ciphers (OpenSSH: sshd_config)";
    } else if (kind.contains("mac")) {
      what = "MACs";
      fix = "enable one of those in the server's MACs (OpenSSH: sshd_config)";
    } else {
      what = kind;
      fix = "enable one of those on the server";
    }
    return new StorageException.Permanent(
        "the SFTP server "
            + s.host()
            + ":"
            + s.port()
            + " offers only "
            + what
            + " "
            + server
            + ", none of which Ferry's SSH client (Apache MINA SSHD) speaks; it speaks "
            + String.join(", ", client)
            + ": "
            + fix
            + ". Trying again cannot help until the server changes.",
        e);
  }

  /**
   * A list of algorithms without the markers that are not algorithms ({@code ext-info-c}, {@code
   * kex-strict-s-v00@openssh.com}) and, for the client's, without the certificate and security-key
   * variants, which no server needs in order to be reached.
   */
  private static List<String> readable(String list, boolean client) {
    List<String> out = new ArrayList<>();
    for (String a : list.split(",")) {
      boolean marker = a.startsWith("ext-info-") || a.startsWith("kex-strict-");
      boolean variant = a.contains("-cert-v01@") || a.startsWith("sk-");
      if (!marker && !(client && variant)) {
        out.add(a);
      }
    }
    return out.isEmpty() ? List.of(list.split(",")) : out;
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
