package dev.ferry.activities.catalog;

import dev.ferry.activities.db.PgServer;
import dev.ferry.activities.storage.Storage;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * {@code postgresql}: a PostgreSQL server whose databases a transit cutover moves (host, port,
 * user, sslmode; the password is the secret). Not a files location: no job reads or writes it.
 */
public final class PostgresqlConnectionKind implements ConnectionKind {
  public static final String NAME = "postgresql";

  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:\\-\\[\\]%]+");

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "a PostgreSQL server whose databases a transit cutover moves, not a files location"
        + " (settings: host, port, user, sslmode; secret: password)";
  }

  @Override
  public List<Field> settings() {
    return List.of(
        new Field("host", true, "the server's host name or address"),
        new Field("port", false, "the TCP port, default 5432"),
        new Field("user", true, "the login, a superuser or a role with CREATEDB"),
        new Field(
            "sslmode",
            false,
            "libpq's sslmode: " + String.join(", ", PgServer.SSL_MODES) + "; default prefer"));
  }

  @Override
  public List<Field> secret() {
    return List.of(new Field("password", false, "the login's password"));
  }

  @Override
  public boolean files() {
    return false;
  }

  @Override
  public java.util.Set<String> tunables() {
    return java.util.Set.of("sslmode");
  }

  @Override
  public Map<String, String> validate(Map<String, String> settings, Map<String, String> secret) {
    Map<String, String> problems = new TreeMap<>();
    String host = settings.get("host");
    if (host != null
        && (!HOST.matcher(host.trim()).matches()
            || host.chars().filter(ch -> ch == ':').count() == 1)) {
      problems.put(
          "settings.host",
          "must be a host name or an IP address such as db.example.com or 10.0.0.5 (no scheme, no"
              + " port, no path; the port goes in settings.port)");
    }
    String port = settings.get("port");
    if (port != null && !inRange(port, 1, 65535)) {
      problems.put("settings.port", "must be a port number 1-65535 (got '" + port + "')");
    }
    String user = settings.get("user");
    if (user != null && (user.length() > 63 || user.indexOf('\0') >= 0)) {
      problems.put("settings.user", "must be a PostgreSQL role name (at most 63 characters)");
    }
    String ssl = settings.get("sslmode");
    if (ssl != null && !PgServer.SSL_MODES.contains(ssl.trim())) {
      problems.put(
          "settings.sslmode",
          "must be one of " + String.join(", ", PgServer.SSL_MODES) + " (got '" + ssl + "')");
    }
    return problems;
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
    throw new IllegalArgumentException(
        "a postgresql connection is a database server, not a files location: no job can read or"
            + " write files there");
  }

  /**
   * The server a resolved {@code postgresql} connection names.
   *
   * @throws IllegalArgumentException when the connection is of another kind
   */
  public static PgServer server(ResolvedConnection c) {
    if (!NAME.equals(c.kind())) {
      throw new IllegalArgumentException(
          "connection " + c.id() + " is of kind '" + c.kind() + "', not a postgresql server");
    }
    Map<String, String> s = c.settings();
    String password = c.secret().get("password");
    String port = s.get("port");
    String ssl = s.get("sslmode");
    String host = s.get("host").trim();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1); // an IPv6 address as libpq and JDBC want it
    }
    return new PgServer(
        host,
        port == null || port.isBlank() ? 5432 : Integer.parseInt(port.trim()),
        s.get("user"),
        password == null || password.isEmpty() ? null : password,
        ssl == null || ssl.isBlank() ? null : ssl.trim());
  }
}
