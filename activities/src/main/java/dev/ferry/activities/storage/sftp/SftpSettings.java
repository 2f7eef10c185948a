package dev.ferry.activities.storage.sftp;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where and how to reach one SFTP root. The location ({@code sftp://user@host[:port]/path}) says
 * where; the credentials come only from the environment, because locations are stored with jobs and
 * shown in reports and secrets must never be.
 *
 * <ul>
 *   <li>{@value #PASSWORD}: the password, or
 *   <li>{@value #KEY_FILE}: a private key file (OpenSSH or PEM), with {@value #KEY_PASSPHRASE} when
 *       it is encrypted. Both may be set; the server picks.
 *   <li>{@value #KNOWN_HOSTS}: a {@code known_hosts} file the server's host key must be listed in.
 *       When unset, any host key is accepted and logged once per host with its fingerprint.
 *   <li>{@value #CHANNELS}: SFTP channels opened on the one SSH connection (1-10, default 4).
 * </ul>
 *
 * <p>{@link #toString()} never shows the password or the passphrase.
 *
 * @param root absolute folder on the server, without a trailing slash ({@code /} for the top)
 * @param password the password, or null
 * @param keyFile a private key file, or null
 * @param keyPassphrase the key's passphrase, or null
 * @param knownHosts a known_hosts file to check the host key against, or null to accept and warn
 * @param channels how many SFTP channels to open at most
 */
public record SftpSettings(
    String host,
    int port,
    String user,
    String root,
    String password,
    Path keyFile,
    String keyPassphrase,
    Path knownHosts,
    int channels) {

  public static final String PASSWORD = "FERRY_SFTP_PASSWORD";
  public static final String KEY_FILE = "FERRY_SFTP_KEY_FILE";
  public static final String KEY_PASSPHRASE = "FERRY_SFTP_KEY_PASSPHRASE";
  public static final String KNOWN_HOSTS = "FERRY_SFTP_KNOWN_HOSTS";
  public static final String CHANNELS = "FERRY_SFTP_CHANNELS";

  static final int DEFAULT_PORT = 22;

  /**
   * OpenSSH's sshd allows 10 sessions (channels) per connection by default ({@code MaxSessions});
   * four leaves room for the user's own and is enough to keep the server's workers busy.
   */
  static final int DEFAULT_CHANNELS = 4;

  static final int MAX_CHANNELS = 10;

  public SftpSettings {
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("an SFTP location needs a host");
    }
    if (user == null || user.isEmpty()) {
      throw new IllegalArgumentException("an SFTP location needs a user");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("SFTP port " + port + " is out of range");
    }
    if (root == null || !root.startsWith("/")) {
      throw new IllegalArgumentException("the SFTP root must be an absolute path, got " + root);
    }
    if (password == null && keyFile == null) {
      throw new IllegalArgumentException(noCredentials(user, host));
    }
    if (channels < 1 || channels > MAX_CHANNELS) {
      throw new IllegalArgumentException(
          CHANNELS + " must be between 1 and " + MAX_CHANNELS + ", got " + channels);
    }
  }

  /**
   * Settings for {@code sftp://user@host[:port]/path} with the credentials found in {@code env}.
   *
   * @throws IllegalArgumentException when the URI is not a usable SFTP location, carries a
   *     password, or no credentials are set (the message names the variables)
   */
  public static SftpSettings fromUri(URI uri, Map<String, String> env) {
    check(uri, uri.toString());
    int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
    String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("/+$", "");
    String root = path.isEmpty() ? "/" : path;
    String password = value(env, PASSWORD);
    Path keyFile = readableFile(env, KEY_FILE);
    String passphrase = value(env, KEY_PASSPHRASE);
    Path knownHosts = readableFile(env, KNOWN_HOSTS);
    int channels = DEFAULT_CHANNELS;
    String c = value(env, CHANNELS);
    if (c != null) {
      try {
        channels = Integer.parseInt(c.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(CHANNELS + " must be a number, got '" + c + "'");
      }
    }
    String user = uri.getUserInfo();
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    if (password == null && keyFile == null) {
      throw new IllegalArgumentException(noCredentials(user, host));
    }
    return new SftpSettings(
        host, port, user, root, password, keyFile, passphrase, knownHosts, channels);
  }

  /**
   * The canonical form of an SFTP location: lower-case host, no default port, no trailing slash.
   *
   * @param uri the parsed location
   * @param typed what the user typed, for messages (never echoed when it carries a password)
   * @throws IllegalArgumentException when the user or host is missing or a password is present
   */
  public static String canonical(URI uri, String typed) {
    check(uri, typed);
    String port = uri.getPort() == -1 || uri.getPort() == DEFAULT_PORT ? "" : ":" + uri.getPort();
    String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
    return "sftp://"
        + uri.getRawUserInfo()
        + "@"
        + uri.getHost().toLowerCase(Locale.ROOT)
        + port
        + path;
  }

  private static void check(URI uri, String typed) {
    String rawUser = uri.getRawUserInfo();
    if (rawUser != null && rawUser.contains(":")) {
      // Do not echo the location: it holds a password.
      throw new IllegalArgumentException(
          "the SFTP location for host '"
              + uri.getHost()
              + "' contains a password (user:password@): remove it and set "
              + PASSWORD
              + " instead (or "
              + KEY_FILE
              + " for key login); locations are stored with the job and shown in reports, so"
              + " secrets never go into them");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException(
          "'"
              + typed
              + "' names no host: write sftp://user@host/path or sftp://user@host:port/path");
    }
    if (rawUser == null || rawUser.isEmpty()) {
      throw new IllegalArgumentException(
          "'"
              + typed
              + "' names no user: write sftp://user@host/path (the password goes in "
              + PASSWORD
              + ")");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "'" + typed + "' has a ?query or #fragment: SFTP locations take none (encode # as %23)");
    }
  }

  private static String noCredentials(String user, String host) {
    return "no credentials for SFTP login "
        + user
        + "@"
        + host
        + ": set "
        + PASSWORD
        + ", or "
        + KEY_FILE
        + " to a private key file (and "
        + KEY_PASSPHRASE
        + " if the key is encrypted)";
  }

  private static String value(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isEmpty() ? null : v;
  }

  private static Path readableFile(Map<String, String> env, String name) {
    String v = value(env, name);
    if (v == null) {
      return null;
    }
    Path p = Path.of(v).toAbsolutePath();
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw new IllegalArgumentException(name + " names " + p + ", which is not a readable file");
    }
    return p;
  }

  /** The location without secrets, for messages: {@code sftp://user@host:port/root}. */
  public String describe() {
    return "sftp://" + user + "@" + host + (port == DEFAULT_PORT ? "" : ":" + port) + root;
  }

  @Override
  public String toString() {
    return "SftpSettings["
        + describe()
        + ", auth="
        + (password != null ? "password" : "")
        + (password != null && keyFile != null ? "+" : "")
        + (keyFile != null ? "key " + keyFile : "")
        + ", hostKeys="
        + (knownHosts != null ? knownHosts : "accept-and-warn")
        + ", channels="
        + channels
        + "]";
  }
}
