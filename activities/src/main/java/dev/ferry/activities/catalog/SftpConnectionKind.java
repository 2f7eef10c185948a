package dev.ferry.activities.catalog;

import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.sftp.SftpSettings;
import dev.ferry.activities.storage.sftp.SftpStorage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code sftp}: a folder on an SFTP server. The password (or a key's passphrase) is the
 * connection's secret; a private key and a known_hosts file are files on the worker that runs the
 * job, named in the settings.
 */
public final class SftpConnectionKind implements ConnectionKind {
  @Override
  public String name() {
    return "sftp";
  }

  @Override
  public String description() {
    return "a folder on an SFTP server (settings: host, port, user, root, keyFile, knownHosts,"
        + " channels; secret: password, keyPassphrase)";
  }

  @Override
  public List<Field> settings() {
    return List.of(
        new Field("host", true, "the server's host name or address"),
        new Field("port", false, "the SSH port, default 22"),
        new Field("user", true, "the login"),
        new Field("root", false, "absolute folder on the server, default /"),
        new Field("keyFile", false, "a private key file on the worker, for key login"),
        new Field("knownHosts", false, "a known_hosts file on the worker the host key must be in"),
        new Field("channels", false, "SFTP channels on the one connection, 1-10, default 4"));
  }

  @Override
  public boolean holdsLinks() {
    return SftpStorage.CAPABILITIES.links();
  }

  @Override
  public java.util.Set<String> workerFiles() {
    return java.util.Set.of("keyFile", "knownHosts");
  }

  @Override
  public java.util.Set<String> tunables() {
    return java.util.Set.of("channels", "keyFile", "knownHosts");
  }

  @Override
  public List<Field> secret() {
    return List.of(
        new Field("password", false, "the password"),
        new Field("keyPassphrase", false, "the passphrase of an encrypted keyFile"));
  }

  @Override
  public Map<String, String> validate(Map<String, String> settings, Map<String, String> secret) {
    Map<String, String> problems = new TreeMap<>();
    String port = settings.get("port");
    if (port != null && !inRange(port, 1, 65535)) {
      problems.put("settings.port", "must be a port number 1-65535 (got '" + port + "')");
    }
    String channels = settings.get("channels");
    if (channels != null && !inRange(channels, 1, 10)) {
      problems.put("settings.channels", "must be between 1 and 10 (got '" + channels + "')");
    }
    String root = settings.get("root");
    if (root != null && !root.startsWith("/")) {
      problems.put("settings.root", "must be an absolute path such as /srv/data");
    }
    for (String f : List.of("keyFile", "knownHosts")) {
      String v = settings.get(f);
      if (v != null && !v.startsWith("/")) {
        problems.put("settings." + f, "must be an absolute path of a file on the worker");
      }
    }
    if (blank(secret.get("password")) && blank(settings.get("keyFile"))) {
      problems.put("secret.password", "is required unless settings.keyFile names a private key");
    }
    return problems;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static boolean inRange(String s, int min, int max) {
    try {
      int n = Integer.parseInt(s.trim());
      return n >= min && n <= max;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  @Override
  public Storage open(Map<String, String> settings, Map<String, String> secret, String path) {
    String root = settings.getOrDefault("root", "/").replaceAll("/+$", "");
    String full = "/" + SafePath.join(ConnectionLocation.normalize(root), path);
    return new SftpStorage(
        new SftpSettings(
            settings.get("host"),
            settings.get("port") == null ? 22 : Integer.parseInt(settings.get("port").trim()),
            settings.get("user"),
            full,
            blank(secret.get("password")) ? null : secret.get("password"),
            settings.get("keyFile") == null ? null : Path.of(settings.get("keyFile")),
            blank(secret.get("keyPassphrase")) ? null : secret.get("keyPassphrase"),
            settings.get("knownHosts") == null ? null : Path.of(settings.get("knownHosts")),
            settings.get("channels") == null
                ? 4
                : Integer.parseInt(settings.get("channels").trim())));
  }
}
