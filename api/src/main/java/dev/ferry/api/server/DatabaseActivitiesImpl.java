package dev.ferry.api.server;

import dev.ferry.activities.catalog.Connections;
import dev.ferry.activities.catalog.PostgresqlConnectionKind;
import dev.ferry.activities.catalog.ResolvedConnection;
import dev.ferry.activities.db.DatabaseMoveException;
import dev.ferry.activities.db.DatabaseMover;
import dev.ferry.activities.db.PgServer;
import dev.ferry.activities.temporal.KeepAlive;
import dev.ferry.workflows.DatabaseActivities;
import dev.ferry.workflows.MigrationActivities;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.util.Map;
import java.util.UUID;

/**
 * The server's side of a transit cutover's database moves (task queue {@code ferry-server}): the
 * {@code postgresql} connections are resolved here, where their sealed passwords open, and handed
 * to {@link DatabaseMover}. A move heartbeats its stage and the bytes streamed so far; a permanent
 * problem (a refused login, a missing database, no pg_dump) fails non-retryably with the message
 * that says what to fix.
 */
final class DatabaseActivitiesImpl implements DatabaseActivities {
  /** The type of a failure a retry may help (a server that did not answer, a restore cut short). */
  static final String MOVE_FAILED = "FerryDatabaseMove";

  private final Connections connections;
  private final DatabaseMover mover;

  DatabaseActivitiesImpl(Services s) {
    this(s.connections, new DatabaseMover());
  }

  DatabaseActivitiesImpl(Connections connections, DatabaseMover mover) {
    this.connections = connections;
    this.mover = mover;
  }

  @Override
  public long databaseSize(DatabaseRef database) {
    return KeepAlive.call(
        () -> {
          PgServer server = server(database.connectionId());
          try {
            return mover.databaseSize(server, database.database());
          } catch (DatabaseMoveException e) {
            throw failure(e);
          }
        });
  }

  @Override
  public MoveResult moveDatabase(MoveRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    PgServer from = server(request.from().connectionId());
    PgServer to = server(request.to().connectionId());
    try {
      return mover.move(
          from,
          request.from().database(),
          to,
          request.to().database(),
          request.moveId(),
          (stage, bytes) -> ctx.heartbeat(Map.of("stage", stage, "bytesStreamed", bytes)));
    } catch (DatabaseMoveException e) {
      throw failure(e);
    }
  }

  /** The server of a {@code postgresql} connection, its password decrypted. */
  private PgServer server(String connectionId) {
    ResolvedConnection c;
    try {
      c = connections.resolve(UUID.fromString(connectionId));
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "connection " + connectionId + " does not exist (it was deleted): " + e.getMessage(),
          MigrationActivities.CONFIG_ERROR);
    }
    try {
      return PostgresqlConnectionKind.server(c);
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          e.getMessage() + "; a database moves between connections of kind postgresql",
          MigrationActivities.CONFIG_ERROR);
    }
  }

  /** A concise failure: the message only (it never holds a password), no cause chain. */
  private static ApplicationFailure failure(DatabaseMoveException e) {
    ApplicationFailure f =
        e.permanent()
            ? ApplicationFailure.newNonRetryableFailure(e.getMessage(), e.type())
            : ApplicationFailure.newFailure(e.getMessage(), MOVE_FAILED);
    f.setStackTrace(new StackTraceElement[0]);
    return f;
  }
}
