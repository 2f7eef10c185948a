package dev.ferry.workflows;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * PostgreSQL databases moved from one server to another for a transit cutover, done by {@code ferry
 * server} (task queue {@link CutoverWorkflow#SERVER_QUEUE}), which holds the servers' sealed
 * passwords: no secret travels in a workflow payload, only the id of a connection of kind {@code
 * postgresql}.
 */
@ActivityInterface
public interface DatabaseActivities {
  /**
   * One database on a PostgreSQL server.
   *
   * @param connectionId a connection of kind {@code postgresql} (host, port, user; sealed password)
   * @param database the database's name
   */
  record DatabaseRef(String connectionId, String database) {}

  /**
   * The size of a database as {@code pg_database_size} gives it, in bytes; 0 when it does not
   * exist. Expected unavailability is one minute per GB of it.
   */
  @ActivityMethod
  long databaseSize(DatabaseRef database);

  /**
   * A move of one database.
   *
   * @param from where it is served now; only read ({@code pg_dump}), never changed
   * @param to where it goes
   * @param moveId names the staging database on the target (unique per move attempt's account
   *     move), so that a retried activity finds its own leftovers
   */
  record MoveRequest(DatabaseRef from, DatabaseRef to, String moveId) {}

  /**
   * One table compared after a move.
   *
   * @param table schema-qualified name
   * @param sourceRows rows at the source
   * @param targetRows rows at the target
   * @param sourceChecksum a checksum of the table's rows at the source
   * @param targetChecksum the same at the target
   */
  record TableCheck(
      String table,
      long sourceRows,
      long targetRows,
      String sourceChecksum,
      String targetChecksum) {

    /** Whether both sides hold the same rows. */
    public boolean same() {
      return sourceRows == targetRows && sourceChecksum.equals(targetChecksum);
    }
  }

  /**
   * What a move did.
   *
   * @param ok whether the database arrived and every table compared equal; only then does the
   *     target's database of that name hold it
   * @param bytes the source database's size
   * @param seconds how long the dump, restore and comparison took
   * @param tables every table compared
   * @param problem why it is not ok, said for a support engineer; empty when ok
   */
  record MoveResult(
      boolean ok, long bytes, long seconds, List<TableCheck> tables, String problem) {}

  /**
   * Moves a database: {@code pg_dump} (custom format) of {@code from} streamed into {@code
   * pg_restore} on {@code to} into a staging database, row counts and a checksum per table compared
   * on both sides, and only when every table is the same the staging database replaces the target's
   * database of that name (the target is not serving this account while it moves). Heartbeats while
   * it runs. A retried call starts again from a clean staging database. Permanent problems (login
   * refused, the source database missing) fail non-retryably with a message that says what to fix.
   */
  @ActivityMethod
  MoveResult moveDatabase(MoveRequest request);
}
