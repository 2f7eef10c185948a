package dev.ferry.activities.db;

import dev.ferry.activities.catalog.Hashing;
import dev.ferry.workflows.DatabaseActivities.MoveResult;
import dev.ferry.workflows.DatabaseActivities.TableCheck;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one PostgreSQL database from a server to another: {@code pg_dump --format=custom} of the
 * source streamed through a pipe into {@code pg_restore} on the target, into a staging database
 * named from the move's id; then every table's row count and checksum compared on both sides (and
 * every sequence's position); only when all are the same does the staging database take the place
 * of the target's database of that name (connections to the old one refused and ended first, both
 * renames in one transaction). A mismatch leaves the target as it was and drops the staging copy.
 *
 * <p>Passwords reach {@code pg_dump} and {@code pg_restore} as {@code PGPASSWORD} in their
 * environment, never on their command line. A second call with the same move id starts again from a
 * clean staging database. Ownership: when every role the source database's objects belong to or are
 * granted to exists on the target, and the target's user is a superuser, owners and privileges are
 * restored as they are; otherwise the restore runs with {@code --no-owner --no-acl} and the
 * target's user owns everything (logged). Thread-safe; holds no state between calls.
 */
public final class DatabaseMover {
  private static final Logger log = LoggerFactory.getLogger(DatabaseMover.class);

  /** Where {@code pg_dump} and {@code pg_restore} are, when not on the PATH. */
  public static final String BIN_ENV = "FERRY_PG_BIN";

  /** The database every server has, used to create, rename and drop the others. */
  static final String MAINTENANCE_DB = "postgres";

  /** Told what a move is doing, at least once a second while it runs. */
  public interface Progress {
    /**
     * @param stage what the move does now ({@code checking}, {@code streaming}, {@code comparing},
     *     {@code switching})
     * @param bytesStreamed bytes of the dump that went from pg_dump to pg_restore so far
     * @throws RuntimeException to stop the move (a cancelled activity): the processes are ended,
     *     the staging database dropped, and the exception thrown on
     */
    void report(String stage, long bytesStreamed);
  }

  private final Path pgDump;
  private final Path pgRestore;

  /** {@code pg_dump} and {@code pg_restore} from {@code FERRY_PG_BIN}, else from the PATH. */
  public DatabaseMover() {
    this(binDirFromEnv());
  }

  /**
   * The tools of folder {@code bin}, or from the PATH when null. A missing tool is said at the
   * first move, not here.
   */
  public DatabaseMover(Path bin) {
    this.pgDump = tool(bin, "pg_dump");
    this.pgRestore = tool(bin, "pg_restore");
  }

  private static Path binDirFromEnv() {
    String v = System.getenv(BIN_ENV);
    return v == null || v.isBlank() ? null : Path.of(v.trim());
  }

  private static Path tool(Path bin, String name) {
    if (bin != null) {
      return bin.resolve(name);
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return Path.of(dir, name);
      }
    }
    return Path.of(name); // not found: said when it is needed
  }

  /**
   * The name of the staging database of a move of {@code toDb}: the same for every attempt of that
   * move, another for each database of one account's move (which share a move id).
   */
  public static String stagingName(String moveId, String toDb) {
    return "ferry_stage_" + Hashing.sha256(moveId + "\n" + toDb).substring(0, 20);
  }

  /** The name the target's replaced database has between the switch and its drop. */
  static String oldName(String moveId, String toDb) {
    return "ferry_old_" + Hashing.sha256(moveId + "\n" + toDb).substring(0, 20);
  }

  /**
   * The size of {@code database} on {@code server} as {@code pg_database_size} gives it; 0 when
   * there is no such database.
   */
  public long databaseSize(PgServer server, String database) {
    checkName(database, "database");
    try (Connection c = connect(server, MAINTENANCE_DB, "the server");
        PreparedStatement st =
            c.prepareStatement(
                "select pg_database_size(datname) from pg_database where datname = ?")) {
      st.setString(1, database);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    } catch (SQLException e) {
      throw sqlFailure(e, server, "reading the size of database '" + database + "'");
    }
  }

  /** What the source database is, read before the dump. */
  private record SourceFacts(
      long bytes,
      int serverVersion,
      String owner,
      Set<String> roles,
      String encoding,
      String collate,
      String ctype,
      String localeProvider,
      String iculocale) {}

  /**
   * Moves {@code fromDb} of {@code from} to {@code toDb} of {@code to}, as the class says.
   *
   * @param moveId names the staging database; the same for every attempt of one move
   * @return the comparison; {@code ok} only when every table and sequence is the same, and then the
   *     target's {@code toDb} holds the copy
   * @throws DatabaseMoveException when the move could not be done ({@link
   *     DatabaseMoveException#permanent()} says whether a retry can help)
   */
  public MoveResult move(
      PgServer from, String fromDb, PgServer to, String toDb, String moveId, Progress progress) {
    long started = System.nanoTime();
    checkName(fromDb, "source database");
    checkName(toDb, "target database");
    if (moveId == null || moveId.isBlank()) {
      throw DatabaseMoveException.config("a move needs a moveId (it names the staging database)");
    }
    if (from.host().equalsIgnoreCase(to.host())
        && from.port() == to.port()
        && fromDb.equals(toDb)) {
      throw DatabaseMoveException.config(
          "source and target are the same database ('"
              + fromDb
              + "' on "
              + from.address()
              + "); name another server or database");
    }
    String stage = stagingName(moveId, toDb);
    String old = oldName(moveId, toDb);
    int dumpVersion = toolVersion(pgDump);
    toolVersion(pgRestore);
    progress.report("checking", 0);
    SourceFacts src = source(from, fromDb);
    if (src.serverVersion() / 10000 > dumpVersion) {
      throw DatabaseMoveException.config(
          pgDump
              + " is version "
              + dumpVersion
              + ", older than the source server ("
              + src.serverVersion() / 10000
              + " on "
              + from.address()
              + "): pg_dump must be at least the server's version; install a newer PostgreSQL"
              + " client or set "
              + BIN_ENV);
    }
    boolean keepOwners = prepareTarget(to, toDb, stage, old, src);
    try {
      stream(from, fromDb, to, stage, keepOwners, progress);
      progress.report("comparing", 0);
      Comparison cmp = compare(from, fromDb, to, stage, progress);
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
      if (!cmp.problems().isEmpty()) {
        dropQuietly(to, stage);
        String problem =
            "the copy on "
                + to.address()
                + " differs from the source, so '"
                + toDb
                + "' there was left as it was: "
                + String.join("; ", cmp.problems());
        log.warn("database move {}: {}", moveId, problem);
        return new MoveResult(false, src.bytes(), seconds, cmp.tables(), problem);
      }
      progress.report("switching", 0);
      switchIn(to, stage, toDb, old, progress);
      seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
      log.info(
          "database '{}' moved from {} to '{}' on {}: {} bytes, {} tables, {} s{}",
          fromDb,
          from.address(),
          toDb,
          to.address(),
          src.bytes(),
          cmp.tables().size(),
          seconds,
          keepOwners ? "" : " (restored without owners and privileges)");
      return new MoveResult(true, src.bytes(), seconds, cmp.tables(), "");
    } catch (RuntimeException e) {
      dropQuietly(to, stage);
      throw e;
    }
  }

  // --- the source ------------------------------------------------------------------------------

  private SourceFacts source(PgServer from, String db) {
    try (Connection c = connect(from, db, "the source database")) {
      boolean v15 = c.getMetaData().getDatabaseMajorVersion() >= 15;
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "select pg_database_size(d.oid), current_setting('server_version_num')::int,"
                      + " pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding),"
                      + " d.datcollate, d.datctype, "
                      + (v15 ? "d.datlocprovider::text, d.daticulocale" : "'c', null")
                      + " from pg_database d where d.datname = current_database()")) {
        rs.next();
        Set<String> roles = new TreeSet<>();
        try (Statement r = c.createStatement();
            ResultSet rr =
                r.executeQuery(
                    """
                    select distinct a.rolname from pg_shdepend d join pg_roles a on a.oid = d.refobjid
                    where d.refclassid = 'pg_authid'::regclass
                      and d.dbid = (select oid from pg_database where datname = current_database())
                    union select rolname from pg_roles where oid = 10
                    union select pg_get_userbyid(datdba) from pg_database
                      where datname = current_database()""")) {
          while (rr.next()) {
            roles.add(rr.getString(1));
          }
        }
        return new SourceFacts(
            rs.getLong(1),
            rs.getInt(2),
            rs.getString(3),
            roles,
            rs.getString(4),
            rs.getString(5),
            rs.getString(6),
            rs.getString(7),
            rs.getString(8));
      }
    } catch (SQLException e) {
      throw sqlFailure(e, from, "reading source database '" + db + "'");
    }
  }

  // --- the target ------------------------------------------------------------------------------

  /**
   * Checks the target's user may do the move, drops what an earlier attempt of this move left
   * (staging, old) and creates the staging database like the source's (encoding, locale; its owner
   * when kept).
   *
   * @return whether owners and privileges are restored as they are
   */
  private boolean prepareTarget(
      PgServer to, String toDb, String stage, String old, SourceFacts src) {
    try (Connection c = connect(to, MAINTENANCE_DB, "the target server")) {
      boolean superuser;
      boolean createdb;
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "select rolsuper, rolcreatedb from pg_roles where rolname = current_user")) {
        rs.next();
        superuser = rs.getBoolean(1);
        createdb = rs.getBoolean(2);
      }
      if (!superuser && !createdb) {
        throw DatabaseMoveException.accessDenied(
            "user '"
                + to.user()
                + "' on "
                + to.address()
                + " may not create databases: grant it CREATEDB (ALTER ROLE "
                + to.user()
                + " CREATEDB) or use a superuser in the connection");
      }
      if (!superuser) {
        try (PreparedStatement st =
            c.prepareStatement(
                "select pg_get_userbyid(datdba) <> current_user from pg_database where datname = ?")) {
          st.setString(1, toDb);
          try (ResultSet rs = st.executeQuery()) {
            if (rs.next() && rs.getBoolean(1)) {
              throw DatabaseMoveException.accessDenied(
                  "user '"
                      + to.user()
                      + "' on "
                      + to.address()
                      + " cannot replace database '"
                      + toDb
                      + "', which another role owns: use a superuser or the database's owner in"
                      + " the connection");
            }
          }
        }
      }
      Set<String> missing = new TreeSet<>(src.roles());
      try (PreparedStatement st =
          c.prepareStatement("select rolname from pg_roles where rolname = any(?)")) {
        st.setArray(1, c.createArrayOf("text", src.roles().toArray()));
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            missing.remove(rs.getString(1));
          }
        }
      }
      boolean keepOwners = superuser && missing.isEmpty();
      if (!keepOwners) {
        log.warn(
            "restoring into {} without owners and privileges (--no-owner --no-acl): {}",
            to.address(),
            !superuser
                ? "user '" + to.user() + "' is not a superuser"
                : "roles missing there: " + String.join(", ", missing));
      }
      try (Statement st = c.createStatement()) {
        st.execute("drop database if exists " + ident(stage) + " with (force)");
        st.execute("drop database if exists " + ident(old) + " with (force)");
        StringBuilder create =
            new StringBuilder("create database ")
                .append(ident(stage))
                .append(" template template0 encoding ")
                .append(literal(src.encoding()));
        if ("i".equals(src.localeProvider())) {
          create
              .append(" locale_provider icu icu_locale ")
              .append(literal(src.iculocale()))
              .append(" lc_collate ")
              .append(literal(src.collate()))
              .append(" lc_ctype ")
              .append(literal(src.ctype()));
        } else {
          create
              .append(" lc_collate ")
              .append(literal(src.collate()))
              .append(" lc_ctype ")
              .append(literal(src.ctype()));
        }
        if (keepOwners) {
          create.append(" owner ").append(ident(src.owner()));
        }
        try {
          st.execute(create.toString());
        } catch (SQLException e) {
          if ("22023".equals(e.getSQLState()) || "42704".equals(e.getSQLState())) {
            throw DatabaseMoveException.config(
                "cannot create the copy on "
                    + to.address()
                    + " like the source (encoding "
                    + src.encoding()
                    + ", locale "
                    + src.collate()
                    + "): "
                    + e.getMessage()
                    + "; install that locale on the target server");
          }
          throw e;
        }
      }
      return keepOwners;
    } catch (SQLException e) {
      throw sqlFailure(e, to, "preparing the copy on the target");
    }
  }

  /**
   * The staging database becomes {@code toDb}: connections to both are refused and ended, the old
   * {@code toDb} (if any) is renamed away and the staging database renamed to it in one
   * transaction, connections allowed again, and the old one dropped.
   */
  private void switchIn(PgServer to, String stage, String toDb, String old, Progress progress) {
    try (Connection c = connect(to, MAINTENANCE_DB, "the target server")) {
      boolean exists;
      try (PreparedStatement st =
          c.prepareStatement("select 1 from pg_database where datname = ?")) {
        st.setString(1, toDb);
        try (ResultSet rs = st.executeQuery()) {
          exists = rs.next();
        }
      }
      try (Statement st = c.createStatement()) {
        st.execute("alter database " + ident(stage) + " allow_connections false");
        if (exists) {
          st.execute("alter database " + ident(toDb) + " allow_connections false");
        }
        endSessions(c, exists ? List.of(stage, toDb) : List.of(stage), progress);
        c.setAutoCommit(false);
        if (exists) {
          st.execute("alter database " + ident(toDb) + " rename to " + ident(old));
        }
        st.execute("alter database " + ident(stage) + " rename to " + ident(toDb));
        c.commit();
        c.setAutoCommit(true);
        st.execute("alter database " + ident(toDb) + " allow_connections true");
        if (exists) {
          st.execute("drop database " + ident(old) + " with (force)");
        }
      }
    } catch (SQLException e) {
      throw sqlFailure(e, to, "putting the copy in place of '" + toDb + "'");
    }
  }

  /** Ends every other session on these databases and waits until they are gone (up to 30 s). */
  private static void endSessions(Connection c, List<String> dbs, Progress progress)
      throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    try (PreparedStatement end =
            c.prepareStatement(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity"
                    + " where datname = any(?) and pid <> pg_backend_pid()");
        PreparedStatement left =
            c.prepareStatement(
                "select count(*) from pg_stat_activity"
                    + " where datname = any(?) and pid <> pg_backend_pid()")) {
      java.sql.Array names = c.createArrayOf("text", dbs.toArray());
      end.setArray(1, names);
      left.setArray(1, names);
      while (true) {
        end.executeQuery().close();
        try (ResultSet rs = left.executeQuery()) {
          rs.next();
          if (rs.getLong(1) == 0) {
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new SQLException(
              "sessions on " + dbs + " did not end within 30 s after pg_terminate_backend");
        }
        progress.report("switching", 0);
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SQLException("interrupted while ending sessions");
        }
      }
    }
  }

  private void dropQuietly(PgServer to, String stage) {
    try (Connection c = connect(to, MAINTENANCE_DB, "the target server");
        Statement st = c.createStatement()) {
      st.execute("drop database if exists " + ident(stage) + " with (force)");
    } catch (RuntimeException | SQLException e) {
      log.info(
          "could not drop staging database {} on {} (the next attempt does): {}",
          stage,
          to.address(),
          e.getMessage());
    }
  }

  // --- the stream ------------------------------------------------------------------------------

  private void stream(
      PgServer from,
      String fromDb,
      PgServer to,
      String stage,
      boolean keepOwners,
      Progress progress) {
    List<String> dumpCmd = List.of(pgDump.toString(), "--format=custom", "--no-password");
    List<String> restoreCmd =
        new ArrayList<>(
            List.of(pgRestore.toString(), "--no-password", "--exit-on-error", "--dbname=" + stage));
    if (!keepOwners) {
      restoreCmd.add("--no-owner");
      restoreCmd.add("--no-acl");
    }
    ProcessBuilder dumpPb = new ProcessBuilder(dumpCmd);
    from.childEnvironment(dumpPb.environment(), fromDb);
    ProcessBuilder restorePb = new ProcessBuilder(restoreCmd);
    to.childEnvironment(restorePb.environment(), stage);
    restorePb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process dump = null;
    Process restore = null;
    try {
      dump = start(dumpPb, pgDump);
      restore = start(restorePb, pgRestore);
      Tail dumpErr = Tail.of(dump.getErrorStream());
      Tail restoreErr = Tail.of(restore.getErrorStream());
      AtomicLong streamed = new AtomicLong();
      Process d = dump;
      Process r = restore;
      CompletableFuture<IOException> pipe =
          CompletableFuture.supplyAsync(
              () -> {
                try (InputStream in = d.getInputStream();
                    OutputStream out = r.getOutputStream()) {
                  byte[] buf = new byte[1 << 16];
                  int n;
                  while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    streamed.addAndGet(n);
                  }
                  return null;
                } catch (IOException e) {
                  return e; // pg_restore stopped reading: its own exit says why
                }
              },
              runnable -> Thread.ofVirtual().name("ferry-pg-pipe").start(runnable));
      while (dump.isAlive() || restore.isAlive() || !pipe.isDone()) {
        progress.report("streaming", streamed.get());
        if (!restore.isAlive() && dump.isAlive() && restore.exitValue() != 0) {
          dump.destroy(); // nothing reads the dump any more
        }
        restore.waitFor(1, TimeUnit.SECONDS);
      }
      progress.report("streaming", streamed.get());
      int dumpExit = dump.waitFor();
      int restoreExit = restore.waitFor();
      String dumpText = dumpErr.text();
      // pg_dump's own error (a refused table, a lost source) comes first; one cut off by a
      // pg_restore that stopped reading (a broken pipe, or ended by us) is pg_restore's failure
      boolean cutOff = dumpText.contains("Broken pipe") || dumpText.contains("could not write");
      boolean ownError = dumpText.contains("error") && !cutOff;
      if (dumpExit != 0 && (ownError || restoreExit == 0)) {
        throw dumpFailure(from, fromDb, dumpExit, dumpText);
      }
      if (restoreExit != 0) {
        throw restoreFailure(to, restoreExit, restoreErr.text());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DatabaseMoveException.transientFailure("the move was interrupted", e);
    } finally {
      if (dump != null) {
        dump.destroyForcibly();
      }
      if (restore != null) {
        restore.destroyForcibly();
      }
    }
  }

  private static DatabaseMoveException dumpFailure(PgServer from, String db, int exit, String err) {
    String what =
        "pg_dump of '" + db + "' on " + from.address() + " failed (exit " + exit + "): " + err;
    if (err.contains("password authentication failed") || err.contains("no pg_hba.conf entry")) {
      return DatabaseMoveException.accessDenied(
          what + "; check the source connection's user and password");
    }
    if (err.contains("permission denied")) {
      return DatabaseMoveException.accessDenied(
          what
              + "; the source connection's user must be able to read every table (a superuser"
              + " or the database's owner)");
    }
    return DatabaseMoveException.transientFailure(what, null);
  }

  private static DatabaseMoveException restoreFailure(PgServer to, int exit, String err) {
    String what = "pg_restore into " + to.address() + " failed (exit " + exit + "): " + err;
    if (err.contains("extension")
        && (err.contains("is not available") || err.contains("control file"))) {
      return DatabaseMoveException.config(
          what + "; install on the target server the extensions the database uses");
    }
    return DatabaseMoveException.transientFailure(what, null);
  }

  private static Process start(ProcessBuilder pb, Path tool) {
    try {
      return pb.start();
    } catch (IOException e) {
      throw missingTool(tool);
    }
  }

  private static DatabaseMoveException missingTool(Path tool) {
    return DatabaseMoveException.config(
        "cannot run "
            + tool
            + ": install PostgreSQL's client tools on the machine of ferry server (Debian:"
            + " apt-get install postgresql-client) or set "
            + BIN_ENV
            + " to the folder of pg_dump and pg_restore");
  }

  private static final Pattern VERSION = Pattern.compile("\\) (\\d+)");

  /** The major version of a PostgreSQL tool ({@code pg_dump (PostgreSQL) 15.8} → 15). */
  private static int toolVersion(Path tool) {
    try {
      Process p =
          new ProcessBuilder(tool.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw missingTool(tool);
      }
      Matcher m = VERSION.matcher(out);
      if (!m.find()) {
        throw DatabaseMoveException.config(
            tool
                + " --version said '"
                + out.strip()
                + "', which is not a PostgreSQL tool's version");
      }
      return Integer.parseInt(m.group(1));
    } catch (IOException e) {
      throw missingTool(tool);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DatabaseMoveException.transientFailure("interrupted", e);
    }
  }

  /** The last few KiB of a process's stderr, read as it comes. */
  private static final class Tail {
    private final StringBuilder buf = new StringBuilder();
    private final Thread reader;

    private Tail(InputStream in) {
      // a platform thread: a virtual one waits for a carrier, and under load its last lines came
      // after text() had given up on them (a refused table was then reported as a transient
      // failure of pg_restore)
      reader =
          Thread.ofPlatform()
              .daemon()
              .name("ferry-pg-stderr")
              .start(
                  () -> {
                    try (var r =
                        new java.io.BufferedReader(
                            new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
                      String line;
                      while ((line = r.readLine()) != null) {
                        synchronized (buf) {
                          if (buf.length() > 0) {
                            buf.append(" / ");
                          }
                          buf.append(line.strip());
                          if (buf.length() > 4000) {
                            buf.delete(0, buf.length() - 4000);
                          }
                        }
                      }
                    } catch (IOException e) {
                      // the process ended
                    }
                  });
    }

    static Tail of(InputStream in) {
      return new Tail(in);
    }

    /** All the process wrote (its last KiB), once it has closed stderr: call after it ended. */
    String text() {
      try {
        reader.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (buf) {
        return buf.isEmpty() ? "(nothing on stderr)" : buf.toString();
      }
    }
  }

  // --- the comparison --------------------------------------------------------------------------

  /** Row count and checksum of one table, or a sequence's position. */
  private record Sum(long rows, String checksum) {}

  private record Comparison(List<TableCheck> tables, List<String> problems) {}

  /**
   * Session settings under which a row's text is the same on any server: the output of dates,
   * times, intervals, floats, bytea and money does not depend on the session.
   */
  private static final List<String> STABLE_TEXT =
      List.of(
          "set timezone = 'UTC'",
          "set datestyle = 'ISO, YMD'",
          "set intervalstyle = 'postgres'",
          "set extra_float_digits = 1",
          "set bytea_output = 'hex'",
          "set lc_monetary = 'C'",
          "set lc_numeric = 'C'",
          "set search_path = ''");

  /** Ordinary tables (partitions included) and sequences of the database, not an extension's. */
  private static final String RELATIONS =
      """
      select c.relkind::text, n.nspname, c.relname from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'S')
        and n.nspname not in ('pg_catalog', 'information_schema')
        and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp%'
        and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass
                        and d.objid = c.oid and d.deptype = 'e')
      order by 2, 3""";

  private Comparison compare(
      PgServer from, String fromDb, PgServer to, String stage, Progress progress) {
    CompletableFuture<Map<String, Sum>> source =
        CompletableFuture.supplyAsync(
            () -> sums(from, fromDb, "the source database"),
            r -> Thread.ofVirtual().name("ferry-pg-sum").start(r));
    CompletableFuture<Map<String, Sum>> target =
        CompletableFuture.supplyAsync(
            () -> sums(to, stage, "the copy"),
            r -> Thread.ofVirtual().name("ferry-pg-sum").start(r));
    Map<String, Sum> a = await(source, progress);
    Map<String, Sum> b = await(target, progress);
    List<TableCheck> tables = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Set<String> names = new TreeSet<>(a.keySet());
    names.addAll(b.keySet());
    for (String name : names) {
      Sum x = a.get(name);
      Sum y = b.get(name);
      if (name.startsWith("S ")) {
        String seq = name.substring(2);
        if (x == null || y == null || !x.checksum().equals(y.checksum())) {
          problems.add(
              "sequence "
                  + seq
                  + " is at "
                  + (x == null ? "(none)" : x.checksum())
                  + " on the source and "
                  + (y == null ? "(none)" : y.checksum())
                  + " in the copy");
        }
        continue;
      }
      String table = name.substring(2);
      TableCheck t =
          new TableCheck(
              table,
              x == null ? -1 : x.rows(),
              y == null ? -1 : y.rows(),
              x == null ? "missing" : x.checksum(),
              y == null ? "missing" : y.checksum());
      tables.add(t);
      if (!t.same()) {
        problems.add(
            x == null
                ? "table " + table + " is in the copy only"
                : y == null
                    ? "table " + table + " is missing in the copy"
                    : "table "
                        + table
                        + " has "
                        + x.rows()
                        + " rows on the source and "
                        + y.rows()
                        + " in the copy"
                        + (x.rows() == y.rows() ? ", with different contents" : ""));
      }
    }
    return new Comparison(tables, problems);
  }

  private static <T> T await(CompletableFuture<T> f, Progress progress) {
    while (true) {
      try {
        return f.get(1, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        try {
          progress.report("comparing", 0);
        } catch (RuntimeException stop) {
          f.cancel(true);
          throw stop;
        }
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw DatabaseMoveException.transientFailure(e.getCause().toString(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw DatabaseMoveException.transientFailure("interrupted", e);
      }
    }
  }

  /**
   * Per table ({@code "r schema.table"}): its rows and a checksum of them; per sequence ({@code "S
   * schema.sequence"}): its position. The checksum is order-independent: the sum, as numbers, of
   * the two 64-bit halves of each row's MD5 (of the row's text under {@link #STABLE_TEXT}), so no
   * sort and no memory per row are needed, and a row changed, missing or doubled changes it.
   */
  private Map<String, Sum> sums(PgServer server, String db, String what) {
    Map<String, Sum> out = new LinkedHashMap<>();
    try (Connection c = connect(server, db, what)) {
      try (Statement st = c.createStatement()) {
        for (String s : STABLE_TEXT) {
          st.execute(s);
        }
      }
      List<String[]> rels = new ArrayList<>();
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery(RELATIONS)) {
        while (rs.next()) {
          rels.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
        }
      }
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      for (String[] rel : rels) {
        String qualified = ident(rel[1]) + "." + ident(rel[2]);
        String shown = rel[1] + "." + rel[2];
        try (Statement st = c.createStatement()) {
          if (rel[0].equals("S")) {
            try (ResultSet rs =
                st.executeQuery("select last_value::text || ':' || is_called from " + qualified)) {
              rs.next();
              out.put("S " + shown, new Sum(1, rs.getString(1)));
            }
          } else {
            try (ResultSet rs =
                st.executeQuery(
                    "select count(*), coalesce(sum(('x' || substr(h, 1, 16))::bit(64)::bigint::numeric), 0)"
                        + " || ':' || coalesce(sum(('x' || substr(h, 17, 16))::bit(64)::bigint::numeric), 0)"
                        + " from (select md5(t::text) as h from only "
                        + qualified
                        + " t) s")) {
              rs.next();
              out.put(
                  "r " + shown,
                  new Sum(rs.getLong(1), Hashing.sha256(rs.getString(2)).substring(0, 32)));
            }
          }
        }
      }
      c.commit();
      return out;
    } catch (SQLException e) {
      throw sqlFailure(e, server, "comparing " + what + " '" + db + "'");
    }
  }

  // --- connections, names, failures ------------------------------------------------------------

  private static Connection connect(PgServer server, String db, String what) {
    try {
      return DriverManager.getConnection(server.jdbcUrl(db), server.jdbcProperties());
    } catch (SQLException e) {
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      if (state.equals("3D000")) {
        throw DatabaseMoveException.notFound(
            "database '"
                + db
                + "' does not exist on "
                + server.address()
                + " ("
                + what
                + "): check the database's name and the connection's host and port");
      }
      throw sqlFailure(e, server, "connecting to " + what + " '" + db + "'");
    }
  }

  private static DatabaseMoveException sqlFailure(SQLException e, PgServer server, String doing) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String msg = "PostgreSQL on " + server.address() + ", " + doing + ": " + e.getMessage();
    if (state.equals("28P01") || state.equals("28000")) {
      return DatabaseMoveException.accessDenied(
          "PostgreSQL on "
              + server.address()
              + " refused the login of user '"
              + server.user()
              + "' ("
              + e.getMessage()
              + "): check the connection's user and its password (secret.password), and that"
              + " the server's pg_hba.conf lets this machine in");
    }
    if (state.equals("42501")) {
      return DatabaseMoveException.accessDenied(
          msg + "; the connection's user lacks a privilege this needs (a superuser is simplest)");
    }
    return DatabaseMoveException.transientFailure(msg, e);
  }

  private static void checkName(String name, String what) {
    if (name == null || name.isBlank()) {
      throw DatabaseMoveException.config("the " + what + " name is empty");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > 63 || name.indexOf('\0') >= 0) {
      throw DatabaseMoveException.config(
          "the "
              + what
              + " name '"
              + name
              + "' is not a PostgreSQL name (at most 63 bytes, no NUL)");
    }
  }

  /** A quoted SQL identifier. */
  static String ident(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  /** A quoted SQL string literal. */
  private static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }
}
