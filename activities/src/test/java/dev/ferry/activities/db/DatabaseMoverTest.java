package dev.ferry.activities.db;

import static dev.ferry.activities.testing.PgClusters.drop;
import static dev.ferry.activities.testing.PgClusters.exists;
import static dev.ferry.activities.testing.PgClusters.query;
import static dev.ferry.activities.testing.PgClusters.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.testing.PgClusters;
import dev.ferry.workflows.DatabaseActivities.MoveResult;
import dev.ferry.workflows.DatabaseActivities.TableCheck;
import dev.ferry.workflows.MigrationActivities;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DatabaseMover} between the two real PostgreSQL clusters of the test set-up: the main one
 * (source) and the transit one on 127.0.0.1:5433 (target).
 */
class DatabaseMoverTest {
  private static final PgServer MAIN = PgClusters.main();
  private static final PgServer TRANSIT = PgClusters.requireTransit();

  private final String tag = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  private final String src = "ferry_mv_src_" + tag;
  private final String dst = "ferry_mv_dst_" + tag;
  private final List<Runnable> cleanup = new ArrayList<>();
  private final DatabaseMover mover = new DatabaseMover();

  @BeforeEach
  void sourceDatabase() throws Exception {
    sql(MAIN, "postgres", "create database " + src);
    sql(
        MAIN,
        src,
        "create schema app",
        """
        create table accounts(
          id serial primary key, name text not null, balance numeric(12,2), created timestamptz,
          born date, data jsonb, active boolean, avatar bytea, tags text[], score double precision,
          uid uuid, wait interval)""",
        """
        insert into accounts(name, balance, created, born, data, active, avatar, tags, score, uid,
                             wait)
        select 'account ' || i || case when i % 7 = 0 then ' é "quoted", comma' else '' end,
               i * 1.25, timestamptz '2026-01-01 00:00:00+00' + i * interval '37 minutes',
               date '1970-01-01' + i, jsonb_build_object('i', i, 'even', i % 2 = 0),
               i % 3 = 0, decode(md5(i::text), 'hex'), array['t' || i % 5, 'x'],
               i / 3.0, md5(i::text)::uuid, i * interval '1 second'
        from generate_series(1, 3000) i""",
        """
        create table app.orders(id bigint generated always as identity primary key,
          account int references accounts(id), total numeric, note text)""",
        """
        insert into app.orders(account, total, note)
        select 1 + i % 3000, i * 0.01, case when i % 10 = 0 then null else 'n' || i end
        from generate_series(1, 2500) i""",
        "create table log(line text)", // no key, repeated rows
        "insert into log select 'same line' from generate_series(1, 40)",
        "create table empty_one(x int)");
    cleanup.add(() -> dropQuietly(MAIN, src));
    cleanup.add(() -> dropQuietly(TRANSIT, dst));
  }

  @AfterEach
  void tearDown() {
    cleanup.reversed().forEach(Runnable::run);
  }

  private static void dropQuietly(PgServer s, String db) {
    try {
      drop(s, db);
    } catch (Exception e) {
      // best effort
    }
  }

  /** Each table's rows as one text, sorted: what the test reads itself, not the mover's sums. */
  private static String contents(PgServer s, String db, String table) throws Exception {
    try (Connection c = PgClusters.connect(s, db);
        var st = c.createStatement()) {
      st.execute("set timezone = 'UTC'");
      try (var rs =
          st.executeQuery(
              "select count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' order by"
                  + " t::text)), '') from "
                  + table
                  + " t")) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  private static final List<String> TABLES =
      List.of("public.accounts", "app.orders", "public.log", "public.empty_one");

  @Test
  void aDatabaseMovesWithEveryRowAndReplacesTheTargetsOldOneWhoseSessionsAreEnded()
      throws Exception {
    // the target already has a database of that name (an older copy), with a session open on it
    sql(TRANSIT, "postgres", "create database " + dst);
    sql(TRANSIT, dst, "create table old_stuff(x int)");
    Connection held = PgClusters.connect(TRANSIT, dst);
    cleanup.add(
        () -> {
          try {
            held.close();
          } catch (Exception e) {
            // ended by the move
          }
        });
    List<String> stages = new ArrayList<>();
    AtomicLong streamed = new AtomicLong();
    long size = mover.databaseSize(MAIN, src);
    assertThat(size).isGreaterThan(1_000_000);

    MoveResult r =
        mover.move(
            MAIN,
            src,
            TRANSIT,
            dst,
            "move-" + tag,
            (stage, bytes) -> {
              if (stages.isEmpty() || !stages.getLast().equals(stage)) {
                stages.add(stage);
              }
              streamed.accumulateAndGet(bytes, Math::max);
            });

    assertThat(r.ok()).as(r.problem()).isTrue();
    assertThat(r.problem()).isEmpty();
    assertThat(r.bytes()).isEqualTo(size);
    assertThat(stages).containsSubsequence("checking", "streaming", "comparing", "switching");
    assertThat(streamed.get()).isPositive();
    assertThat(r.tables())
        .extracting(TableCheck::table)
        .containsExactlyInAnyOrderElementsOf(TABLES);
    assertThat(r.tables()).allMatch(TableCheck::same);
    assertThat(r.tables())
        .filteredOn(t -> t.table().equals("public.accounts"))
        .singleElement()
        .satisfies(t -> assertThat(t.sourceRows()).isEqualTo(3000).isEqualTo(t.targetRows()));
    for (String t : TABLES) {
      assertThat(contents(TRANSIT, dst, t)).as(t).isEqualTo(contents(MAIN, src, t));
    }
    assertThat(query(TRANSIT, dst, "select to_regclass('public.old_stuff')")).isNull();
    assertThat(held.isValid(2)).as("the session on the replaced database was ended").isFalse();
    // sequences continue where the source's are
    assertThat(query(TRANSIT, dst, "select nextval('accounts_id_seq')")).isEqualTo("3001");
    assertThat(query(TRANSIT, dst, "insert into app.orders(account) values (1) returning id"))
        .isEqualTo("2501");
    assertThat(
            query(
                TRANSIT, dst, "select datallowconn from pg_database where datname = '" + dst + "'"))
        .isEqualTo("t");
    assertThat(exists(TRANSIT, DatabaseMover.stagingName("move-" + tag, dst))).isFalse();
    assertThat(exists(TRANSIT, DatabaseMover.oldName("move-" + tag, dst))).isFalse();
    assertThat(mover.databaseSize(TRANSIT, dst)).isPositive();
    assertThat(mover.databaseSize(TRANSIT, "ferry_no_such_db_" + tag)).isZero();
    // the source is only read
    assertThat(contents(MAIN, src, "public.accounts")).startsWith("3000:");
  }

  @Test
  void aCopyThatDiffersIsReportedAndLeavesTheTargetAsItWas() throws Exception {
    sql(TRANSIT, "postgres", "create database " + dst);
    sql(TRANSIT, dst, "create table old_stuff(x int)", "insert into old_stuff values (42)");
    String moveId = "tampered-" + tag;
    AtomicBoolean tampered = new AtomicBoolean();
    MoveResult r =
        mover.move(
            MAIN,
            src,
            TRANSIT,
            dst,
            moveId,
            (stage, bytes) -> {
              if (stage.equals("comparing") && tampered.compareAndSet(false, true)) {
                try {
                  // a change to the restored copy, as a fault between restore and switch would be
                  sql(
                      TRANSIT,
                      DatabaseMover.stagingName(moveId, dst),
                      "update accounts set balance = balance + 0.01 where id = 1234",
                      "delete from app.orders where id = 7");
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }
            });

    assertThat(tampered).isTrue();
    assertThat(r.ok()).isFalse();
    assertThat(r.problem())
        .contains("public.accounts", "with different contents")
        .contains("app.orders has 2500 rows on the source and 2499 in the copy")
        .contains("left as it was");
    assertThat(r.tables())
        .filteredOn(t -> !t.same())
        .extracting(TableCheck::table)
        .containsExactlyInAnyOrder("public.accounts", "app.orders");
    assertThat(query(TRANSIT, dst, "select x from old_stuff")).isEqualTo("42");
    assertThat(exists(TRANSIT, DatabaseMover.stagingName(moveId, dst))).isFalse();
  }

  @Test
  void aRetriedMoveStartsFromACleanStagingDatabase() throws Exception {
    String moveId = "retried-" + tag;
    String stage = DatabaseMover.stagingName(moveId, dst);
    cleanup.add(() -> dropQuietly(TRANSIT, stage));
    // an attempt stopped mid-stream (a cancelled activity): its processes end, its copy is dropped
    assertThatThrownBy(
            () ->
                mover.move(
                    MAIN,
                    src,
                    TRANSIT,
                    dst,
                    moveId,
                    (s, bytes) -> {
                      if (s.equals("streaming")) {
                        throw new IllegalStateException("cancelled");
                      }
                    }))
        .hasMessage("cancelled");
    assertThat(exists(TRANSIT, stage)).isFalse();
    assertThat(exists(TRANSIT, dst)).isFalse();
    // a worker that died mid-restore leaves its staging database behind, half filled
    sql(TRANSIT, "postgres", "create database " + stage);
    sql(TRANSIT, stage, "create table accounts(junk int)", "create table junk(x int)");

    MoveResult r = mover.move(MAIN, src, TRANSIT, dst, moveId, (s, b) -> {});
    assertThat(r.ok()).as(r.problem()).isTrue();
    assertThat(query(TRANSIT, dst, "select to_regclass('public.junk')")).isNull();
    assertThat(contents(TRANSIT, dst, "public.accounts"))
        .isEqualTo(contents(MAIN, src, "public.accounts"));
    // run again after it succeeded (its completion was lost): the same result
    MoveResult again = mover.move(MAIN, src, TRANSIT, dst, moveId, (s, b) -> {});
    assertThat(again.ok()).as(again.problem()).isTrue();
    assertThat(again.tables()).isEqualTo(r.tables());
    assertThat(exists(TRANSIT, stage)).isFalse();
  }

  @Test
  void aMissingSourceDatabaseIsAPermanentErrorNamingIt() {
    assertThatThrownBy(
            () -> mover.move(MAIN, "ferry_gone_" + tag, TRANSIT, dst, "m-" + tag, (s, b) -> {}))
        .isInstanceOfSatisfying(
            DatabaseMoveException.class,
            e -> {
              assertThat(e.permanent()).isTrue();
              assertThat(e.type()).isEqualTo(MigrationActivities.NOT_FOUND);
            })
        .hasMessageContaining(
            "database 'ferry_gone_" + tag + "' does not exist on " + MAIN.address())
        .hasMessageContaining("check the database's name");
  }

  @Test
  void aWrongPasswordIsAPermanentErrorAndTheRightOneReachesPgRestore() throws Exception {
    String role = "ferry_pw_" + tag;
    sql(
        TRANSIT,
        "postgres",
        "create role " + role + " login createdb password 'right horse' in role ferry_password");
    cleanup.add(
        () -> {
          dropQuietly(TRANSIT, dst);
          try {
            sql(TRANSIT, "postgres", "drop role if exists " + role);
          } catch (Exception e) {
            // best effort
          }
        });
    PgServer wrong = new PgServer(TRANSIT.host(), TRANSIT.port(), role, "wrong horse", null);
    assertThatThrownBy(() -> mover.move(MAIN, src, wrong, dst, "pw-" + tag, (s, b) -> {}))
        .isInstanceOfSatisfying(
            DatabaseMoveException.class,
            e -> {
              assertThat(e.permanent()).isTrue();
              assertThat(e.type()).isEqualTo(MigrationActivities.ACCESS_DENIED);
            })
        .hasMessageContaining("refused the login of user '" + role + "'")
        .hasMessageContaining("check the connection's user and its password")
        .hasMessageNotContaining("wrong horse");
    assertThatThrownBy(() -> mover.databaseSize(wrong, "postgres"))
        .isInstanceOf(DatabaseMoveException.class)
        .hasMessageContaining("refused the login");

    // the right password: pg_restore gets it through PGPASSWORD; a role that is not a superuser
    // restores without owners and privileges, so it owns what it restored
    PgServer right = new PgServer(TRANSIT.host(), TRANSIT.port(), role, "right horse", null);
    MoveResult r = mover.move(MAIN, src, right, dst, "pw-" + tag, (s, b) -> {});
    assertThat(r.ok()).as(r.problem()).isTrue();
    assertThat(query(TRANSIT, dst, "select tableowner from pg_tables where tablename = 'accounts'"))
        .isEqualTo(role);
    assertThat(contents(TRANSIT, dst, "app.orders")).isEqualTo(contents(MAIN, src, "app.orders"));
  }

  @Test
  void aSourceUserThatCannotReadEveryTableIsAPermanentErrorAndLeavesNoCopy() throws Exception {
    String role = "ferry_noread_" + tag;
    sql(MAIN, "postgres", "create role " + role + " login");
    cleanup.add(
        () -> {
          try {
            sql(MAIN, "postgres", "drop database if exists " + src + " with (force)");
            sql(MAIN, "postgres", "drop role if exists " + role);
          } catch (Exception e) {
            // best effort
          }
        });
    PgServer reader = new PgServer(MAIN.host(), MAIN.port(), role, null, null);
    String moveId = "noread-" + tag;
    assertThatThrownBy(() -> mover.move(reader, src, TRANSIT, dst, moveId, (s, b) -> {}))
        .isInstanceOfSatisfying(
            DatabaseMoveException.class,
            e -> assertThat(e.type()).isEqualTo(MigrationActivities.ACCESS_DENIED))
        .hasMessageContaining("pg_dump of '" + src + "' on " + MAIN.address() + " failed")
        .hasMessageContaining("permission denied")
        .hasMessageContaining("must be able to read every table");
    assertThat(exists(TRANSIT, DatabaseMover.stagingName(moveId, dst))).isFalse();
    assertThat(exists(TRANSIT, dst)).isFalse();
  }

  @Test
  void ownersAndPrivilegesAreKeptWhenTheirRolesExistOnTheTargetElseTheTargetsUserOwns()
      throws Exception {
    String owner = "ferry_own_" + tag;
    String reader = "ferry_read_" + tag;
    String other = "ferry_mv_other_" + tag;
    for (PgServer s : List.of(MAIN, TRANSIT)) {
      sql(s, "postgres", "create role " + owner + " login", "create role " + reader);
    }
    sql(MAIN, "postgres", "alter database " + src + " owner to " + owner);
    sql(
        MAIN,
        src,
        "alter table accounts owner to " + owner,
        "grant select on accounts to " + reader);
    cleanup.add(
        () -> {
          dropQuietly(TRANSIT, other);
          for (PgServer s : List.of(MAIN, TRANSIT)) {
            try {
              sql(
                  s,
                  "postgres",
                  "drop database if exists " + (s == MAIN ? src : dst) + " with (force)");
              sql(s, "postgres", "drop role if exists " + reader, "drop role if exists " + owner);
            } catch (Exception e) {
              // best effort
            }
          }
        });

    MoveResult r = mover.move(MAIN, src, TRANSIT, dst, "own-" + tag, (s, b) -> {});
    assertThat(r.ok()).as(r.problem()).isTrue();
    assertThat(
            query(
                TRANSIT,
                "postgres",
                "select pg_get_userbyid(datdba) from pg_database where datname = '" + dst + "'"))
        .isEqualTo(owner);
    assertThat(query(TRANSIT, dst, "select tableowner from pg_tables where tablename = 'accounts'"))
        .isEqualTo(owner);
    assertThat(
            query(
                TRANSIT, dst, "select has_table_privilege('" + reader + "', 'accounts', 'select')"))
        .isEqualTo("t");

    // the reader role is missing on the target: no owners, no privileges; postgres owns it all
    drop(TRANSIT, dst);
    sql(TRANSIT, "postgres", "drop role " + reader);
    MoveResult r2 = mover.move(MAIN, src, TRANSIT, other, "own2-" + tag, (s, b) -> {});
    assertThat(r2.ok()).as(r2.problem()).isTrue();
    assertThat(
            query(TRANSIT, other, "select tableowner from pg_tables where tablename = 'accounts'"))
        .isEqualTo(TRANSIT.user());
  }

  @Test
  void withoutPgDumpTheMoveFailsPermanentlySayingWhatToInstall(@TempDir Path empty)
      throws Exception {
    Files.createDirectories(empty);
    DatabaseMover none = new DatabaseMover(empty);
    assertThatThrownBy(() -> none.move(MAIN, src, TRANSIT, dst, "bin-" + tag, (s, b) -> {}))
        .isInstanceOfSatisfying(
            DatabaseMoveException.class,
            e -> assertThat(e.type()).isEqualTo(MigrationActivities.CONFIG_ERROR))
        .hasMessageContaining("cannot run " + empty.resolve("pg_dump"))
        .hasMessageContaining("apt-get install postgresql-client")
        .hasMessageContaining(DatabaseMover.BIN_ENV);
    assertThat(exists(TRANSIT, dst)).isFalse();
  }
}
