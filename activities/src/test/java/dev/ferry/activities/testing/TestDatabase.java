package dev.ferry.activities.testing;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.Database;
import dev.ferry.activities.catalog.DbConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * A private database on the real PostgreSQL (FERRY_DB_URL / FERRY_DB_USER / FERRY_DB_PASSWORD,
 * defaults as in {@link DbConfig}), created for one test class and dropped after it.
 */
public final class TestDatabase implements AutoCloseable {
  private final DbConfig config;
  private final Catalog catalog;

  public TestDatabase() {
    String name =
        "ferry_test_"
            + UUID.randomUUID()
                .toString()
                .replace("-", "")
                .substring(0, 12)
                .toLowerCase(Locale.ROOT);
    this.config = DbConfig.fromEnv().withDatabase(name);
    this.catalog = new Catalog(Database.open(config));
  }

  public DbConfig config() {
    return config;
  }

  public Catalog catalog() {
    return catalog;
  }

  @Override
  public void close() throws Exception {
    DbConfig admin = config.withDatabase("postgres");
    try (Connection c =
            DriverManager.getConnection(
                admin.url(), admin.user(), admin.password().isEmpty() ? null : admin.password());
        Statement st = c.createStatement()) {
      st.execute("drop database if exists " + config.databaseName() + " with (force)");
    }
  }
}
