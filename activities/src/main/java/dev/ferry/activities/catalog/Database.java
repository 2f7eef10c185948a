package dev.ferry.activities.catalog;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.util.PSQLException;

/**
 * Opens the catalog: creates the database when it is missing, applies the versioned schema
 * migrations (Flyway, under {@code db/migration}) and returns a {@link Jdbi}.
 */
public final class Database {
  private Database() {}

  /** Thrown when PostgreSQL cannot be reached, with a message that says what to do. */
  public static final class Unreachable extends RuntimeException {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public static Jdbi open(DbConfig config) {
    createIfMissing(config);
    Flyway.configure()
        .dataSource(dataSource(config))
        .locations("classpath:db/migration")
        .loggers("slf4j")
        .load()
        .migrate();
    DataSource pool = pool(config);
    Jdbi jdbi =
        Jdbi.create(pool).installPlugin(new SqlObjectPlugin()).installPlugin(new PostgresPlugin());
    POOLS.put(jdbi, (HikariDataSource) pool);
    return jdbi;
  }

  private static final java.util.Map<Jdbi, HikariDataSource> POOLS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Closes the connection pool behind a {@link Jdbi} from {@link #open}: its connections go back to
   * PostgreSQL now rather than when the process ends (a process that opens many catalogs, such as a
   * test JVM running many commands, would otherwise run PostgreSQL out of connections).
   */
  public static void close(Jdbi jdbi) {
    HikariDataSource pool = POOLS.remove(jdbi);
    if (pool != null) {
      pool.close();
    }
  }

  /**
   * A connection pool (HikariCP): every file's outcome is a short transaction, and opening a new
   * PostgreSQL connection for each would cost more than the statement.
   */
  private static HikariDataSource pool(DbConfig config) {
    HikariConfig hc = new HikariConfig();
    hc.setDataSource(dataSource(config));
    hc.setMaximumPoolSize(48);
    hc.setMinimumIdle(2);
    hc.setPoolName("ferry-catalog");
    // Per-file outcomes are many small commits. Not waiting for each WAL flush costs at most the
    // last fraction of a second of records if PostgreSQL itself crashes; those files are then
    // copied again (every step is idempotent), never wrongly recorded as done.
    hc.setConnectionInitSql("set synchronous_commit = off");
    hc.setConnectionTimeout(30_000);
    hc.setInitializationFailTimeout(-1);
    return new HikariDataSource(hc);
  }

  static DataSource dataSource(DbConfig config) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(config.url());
    ds.setUser(config.user());
    if (!config.password().isEmpty()) {
      ds.setPassword(config.password());
    }
    ds.setConnectTimeout(5);
    ds.setReWriteBatchedInserts(true);
    if (onLoopback(config.url())
        && !config.url().toLowerCase(java.util.Locale.ROOT).contains("ssl")) {
      // The driver's default (sslmode=prefer) encrypts even a connection to this machine, and the
      // listings streamed through COPY then cost AES-GCM on both ends (13% of a scan's CPU here).
      // An URL that says anything about SSL is left as it is.
      ds.setSslMode("disable");
    }
    return ds;
  }

  /** Whether a JDBC URL names this machine (127.0.0.0/8, ::1 or localhost). */
  static boolean onLoopback(String url) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("^jdbc:postgresql://(\\[[^]]*]|[^:/?,]*)").matcher(url);
    if (!m.find()) {
      return false;
    }
    String host = m.group(1).toLowerCase(java.util.Locale.ROOT);
    return host.equals("localhost")
        || host.startsWith("127.")
        || host.equals("[::1]")
        || host.isEmpty();
  }

  private static void createIfMissing(DbConfig config) {
    try (Connection c = connect(config)) {
      return;
    } catch (PSQLException e) {
      if (!"3D000".equals(e.getSQLState())) { // invalid_catalog_name: database does not exist
        throw unreachable(config, e);
      }
    } catch (SQLException e) {
      throw unreachable(config, e);
    }
    try (Connection c = connect(config.withDatabase("postgres"));
        Statement st = c.createStatement()) {
      st.execute("create database \"" + config.databaseName().replace("\"", "") + "\"");
    } catch (PSQLException e) {
      if (!"42P04".equals(e.getSQLState())
          && !"23505".equals(e.getSQLState())) { // created meanwhile
        throw unreachable(config, e);
      }
    } catch (SQLException e) {
      throw unreachable(config, e);
    }
  }

  /**
   * Through {@link #dataSource}, so that this first connection, like the pool's, skips TLS on the
   * loopback (its handshake was a tenth of a second of CPU at every start).
   */
  private static Connection connect(DbConfig config) throws SQLException {
    return dataSource(config).getConnection();
  }

  private static Unreachable unreachable(DbConfig config, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String hint;
    if (state.startsWith("08")) {
      hint =
          "PostgreSQL is not reachable. Start it with 'scripts/setup' (installs and starts a local"
              + " PostgreSQL), or point Ferry at a running server with FERRY_DB_URL, FERRY_DB_USER"
              + " and FERRY_DB_PASSWORD.";
    } else if (state.equals("28P01") || state.equals("28000")) {
      hint =
          "PostgreSQL refused the login. Set FERRY_DB_USER and FERRY_DB_PASSWORD, or run"
              + " 'scripts/setup' to allow local connections from 127.0.0.1.";
    } else {
      hint = "Check FERRY_DB_URL, FERRY_DB_USER and FERRY_DB_PASSWORD.";
    }
    return new Unreachable(
        "cannot open the Ferry database at " + config.url() + ": " + e.getMessage() + "\n" + hint,
        e);
  }
}
