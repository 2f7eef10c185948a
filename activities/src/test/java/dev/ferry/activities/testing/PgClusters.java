package dev.ferry.activities.testing;

import dev.ferry.activities.db.PgServer;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

/**
 * The two real PostgreSQL clusters of the tests: the main one (FERRY_DB_URL, FERRY_DB_USER,
 * FERRY_DB_PASSWORD; 127.0.0.1:5432 by default) and the transit one that {@code scripts/setup
 * --test} starts (FERRY_TRANSIT_DB_URL, FERRY_TRANSIT_DB_USER, FERRY_TRANSIT_DB_PASSWORD;
 * 127.0.0.1:5433 by default), both with trust on the loopback except for members of the role {@code
 * ferry_password} on the transit one.
 */
public final class PgClusters {
  private PgClusters() {}

  /** The main cluster, as a {@code postgresql} connection would name it. */
  public static PgServer main() {
    return server(System.getenv(), "FERRY_DB", "jdbc:postgresql://127.0.0.1:5432/ferry");
  }

  /** The second cluster, for transit tests. */
  public static PgServer transit() {
    return server(System.getenv(), "FERRY_TRANSIT_DB", "jdbc:postgresql://127.0.0.1:5433/postgres");
  }

  /**
   * {@link #transit()}, failing with what to run when it does not answer (a machine set up before
   * the second cluster existed).
   */
  public static PgServer requireTransit() {
    PgServer s = transit();
    try (Connection c = connect(s, "postgres")) {
      return s;
    } catch (SQLException e) {
      throw new IllegalStateException(
          "the second PostgreSQL cluster of the tests does not answer on "
              + s.address()
              + " ("
              + e.getMessage()
              + "): run scripts/setup --test, which starts it (or point FERRY_TRANSIT_DB_URL at"
              + " another)",
          e);
    }
  }

  static PgServer server(Map<String, String> env, String prefix, String defaultUrl) {
    String url = env.getOrDefault(prefix + "_URL", defaultUrl);
    URI u = URI.create(url.substring("jdbc:".length()));
    String password = env.getOrDefault(prefix + "_PASSWORD", "");
    return new PgServer(
        u.getHost(),
        u.getPort() < 0 ? 5432 : u.getPort(),
        env.getOrDefault(prefix + "_USER", "postgres"),
        password.isEmpty() ? null : password,
        null);
  }

  /** A JDBC connection to {@code db} on {@code s}. */
  public static Connection connect(PgServer s, String db) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", s.user());
    if (s.password() != null) {
      p.setProperty("password", s.password());
    }
    return DriverManager.getConnection(
        "jdbc:postgresql://" + s.host() + ":" + s.port() + "/" + db, p);
  }

  /** Runs statements on {@code db}, one by one, outside a transaction. */
  public static void sql(PgServer s, String db, String... statements) throws SQLException {
    try (Connection c = connect(s, db);
        Statement st = c.createStatement()) {
      for (String sql : statements) {
        st.execute(sql);
      }
    }
  }

  /** The first column of the first row of a query, as text (null when no row). */
  public static String query(PgServer s, String db, String sql) throws SQLException {
    try (Connection c = connect(s, db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** Whether {@code db} exists on {@code s}. */
  public static boolean exists(PgServer s, String db) throws SQLException {
    return query(s, "postgres", "select 1 from pg_database where datname = '" + db + "'") != null;
  }

  /** Drops {@code db} on {@code s} if it exists, ending its sessions. */
  public static void drop(PgServer s, String db) throws SQLException {
    sql(s, "postgres", "drop database if exists \"" + db + "\" with (force)");
  }
}
