package dev.ferry.activities.catalog;

import java.util.Map;

/**
 * Where the catalog database is. Defaults suit the project's set-up script: PostgreSQL on
 * 127.0.0.1:5432, database {@code ferry}, user {@code postgres}.
 */
public record DbConfig(String url, String user, String password) {
  public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/ferry";

  public static DbConfig fromEnv(Map<String, String> env) {
    return new DbConfig(
        env.getOrDefault("FERRY_DB_URL", DEFAULT_URL),
        env.getOrDefault("FERRY_DB_USER", "postgres"),
        env.getOrDefault("FERRY_DB_PASSWORD", ""));
  }

  public static DbConfig fromEnv() {
    return fromEnv(System.getenv());
  }

  public DbConfig withDatabase(String name) {
    int slash = url.lastIndexOf('/');
    int q = url.indexOf('?', slash);
    return new DbConfig(
        url.substring(0, slash + 1) + name + (q < 0 ? "" : url.substring(q)), user, password);
  }

  /** The database name in the URL. */
  public String databaseName() {
    int slash = url.lastIndexOf('/');
    int q = url.indexOf('?', slash);
    return q < 0 ? url.substring(slash + 1) : url.substring(slash + 1, q);
  }

  @Override
  public String toString() {
    return "DbConfig[url=" + url + ", user=" + user + "]"; // never the password
  }
}
