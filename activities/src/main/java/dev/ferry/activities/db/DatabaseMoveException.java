package dev.ferry.activities.db;

/**
 * A database move or size that failed. {@link #permanent()} when trying again cannot help (a
 * refused login, a database that does not exist, no {@code pg_dump} on this machine): the message
 * says what to fix. Otherwise (a server that does not answer, a restore cut short) a retry may
 * succeed. Messages never contain a password.
 */
public final class DatabaseMoveException extends RuntimeException {
  /** Why it is permanent, as the workflows name failure types; null when a retry may help. */
  private final String type;

  private DatabaseMoveException(String message, String type, Throwable cause) {
    super(message, cause);
    this.type = type;
  }

  /** Login refused, or a privilege missing. */
  static DatabaseMoveException accessDenied(String message) {
    return new DatabaseMoveException(
        message, dev.ferry.workflows.MigrationActivities.ACCESS_DENIED, null);
  }

  /** The source database does not exist. */
  static DatabaseMoveException notFound(String message) {
    return new DatabaseMoveException(
        message, dev.ferry.workflows.MigrationActivities.NOT_FOUND, null);
  }

  /** Something of this machine's or the request's set-up (no pg_dump, a bad name). */
  static DatabaseMoveException config(String message) {
    return new DatabaseMoveException(
        message, dev.ferry.workflows.MigrationActivities.CONFIG_ERROR, null);
  }

  static DatabaseMoveException transientFailure(String message, Throwable cause) {
    return new DatabaseMoveException(message, null, cause);
  }

  /** Whether trying again cannot help. */
  public boolean permanent() {
    return type != null;
  }

  /**
   * The failure type ({@code FerryAccessDenied}, {@code FerryNotFound}, {@code FerryConfigError}),
   * or null when a retry may help.
   */
  public String type() {
    return type;
  }
}
