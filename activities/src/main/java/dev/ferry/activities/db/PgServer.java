package dev.ferry.activities.db;

import java.util.Map;
import java.util.Properties;

/**
 * A PostgreSQL server as a {@code postgresql} connection names it. Never logged with its password:
 * {@link #toString()} leaves it out.
 *
 * @param host host name or address
 * @param port TCP port
 * @param user the login
 * @param password the password, or null when the server needs none (trust, certificates)
 * @param sslmode libpq's {@code sslmode} ({@code disable} … {@code verify-full}), or null for the
 *     default ({@code prefer})
 */
public record PgServer(String host, int port, String user, String password, String sslmode) {
  /** The {@code sslmode} values libpq and the JDBC driver both know. */
  public static final java.util.List<String> SSL_MODES =
      java.util.List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  /** {@code host:port}, for messages. */
  public String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  String jdbcUrl(String database) {
    return "jdbc:postgresql://"
        + address()
        + "/"
        + java.net.URLEncoder.encode(database, java.nio.charset.StandardCharsets.UTF_8)
            .replace("+", "%20");
  }

  Properties jdbcProperties() {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (password != null && !password.isEmpty()) {
      p.setProperty("password", password);
    }
    if (sslmode != null && !sslmode.isBlank()) {
      p.setProperty("sslmode", sslmode);
    }
    p.setProperty("connectTimeout", "15");
    p.setProperty("ApplicationName", "ferry-database-move");
    return p;
  }

  /**
   * The environment of a {@code pg_dump} or {@code pg_restore} child reaching this server: every
   * {@code PG*} variable of this process removed (the server's own settings must not leak into
   * another server's login), then host, port, user, {@code PGPASSWORD} (never on the command line,
   * where any user of the machine sees it), {@code sslmode} and {@code database}.
   */
  void childEnvironment(Map<String, String> env, String database) {
    env.keySet().removeIf(k -> k.startsWith("PG"));
    env.put("PGHOST", host);
    env.put("PGPORT", Integer.toString(port));
    env.put("PGUSER", user);
    env.put("PGDATABASE", database);
    env.put("PGCONNECT_TIMEOUT", "15");
    env.put("PGAPPNAME", "ferry-database-move");
    if (password != null && !password.isEmpty()) {
      env.put("PGPASSWORD", password);
    }
    if (sslmode != null && !sslmode.isBlank()) {
      env.put("PGSSLMODE", sslmode);
    }
  }

  @Override
  public String toString() {
    return "PgServer["
        + user
        + "@"
        + address()
        + (sslmode == null ? "" : " sslmode=" + sslmode)
        + "]";
  }
}
