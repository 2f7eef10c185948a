package dev.ferry.api.server;

import dev.ferry.activities.catalog.AgentRow;
import dev.ferry.activities.catalog.ConnectionRow;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.activities.catalog.Jobs;
import dev.ferry.activities.catalog.OwnerRow;
import dev.ferry.activities.storage.SafePath;
import io.javalin.http.ConflictResponse;
import io.javalin.http.ForbiddenResponse;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The rules of where a connection or a job may read and write, in one place, so that creating and
 * every change (PATCH of a connection or a job, new owners, the start of a run) check the same:
 *
 * <ul>
 *   <li>a {@code local} connection is a folder of the server's own worker unless its {@code
 *       settings.agentId} names the agent whose machine it is on. On the server only an operator
 *       token may create, change or use one, and only under {@link LocalRoots} ({@code
 *       FERRY_LOCAL_ROOTS}); a client token may use {@code local} connections only for jobs on its
 *       client's own agent. The server's roots do not apply to an agent's machine;
 *   <li>a job's destination is not its source, inside it or around it;
 *   <li>a job's source and destination do not move once it has run (its manifest describes them).
 * </ul>
 *
 * Refusals name the rule: 400 for the request's values, 403 for what the token may not do, 409 for
 * a job that has run.
 */
final class JobRules {
  static final String LOCAL = "local";

  /** The setting of a {@code local} connection naming the agent whose machine the folder is on. */
  static final String AGENT = "agentId";

  /** Where a problem is reported: a field of the request and a message. */
  interface Sink {
    void error(String field, String message);
  }

  /** One side of a job: the request field, its connection (null when not found), its path. */
  record Side(String field, ConnectionRow connection, String path) {}

  /** An owner's paths below the job's source and destination paths. */
  record Sub(String source, String dest) {
    static List<Sub> ofSpecs(List<Jobs.OwnerSpec> owners) {
      List<Sub> out = new ArrayList<>();
      if (owners != null) {
        for (Jobs.OwnerSpec o : owners) {
          String src = o.sourcePath() == null ? "" : o.sourcePath();
          out.add(new Sub(src, o.destPath() == null ? src : o.destPath()));
        }
      }
      return out;
    }

    static List<Sub> ofRows(List<OwnerRow> owners) {
      return owners.stream()
          .map(
              o ->
                  new Sub(
                      nn(o.sourcePath()), o.destPath() == null ? nn(o.sourcePath()) : o.destPath()))
          .toList();
    }

    private static String nn(String s) {
      return s == null ? "" : s;
    }
  }

  private final Services s;

  JobRules(Services s) {
    this.s = s;
  }

  /**
   * Serializes the changes of one client's connections and jobs: taken first by every transaction
   * that writes one, so the checks of one see what the other committed (held to the transaction's
   * end).
   */
  static void lock(Handle h, UUID clientId) {
    h.createQuery("select 1 from pg_advisory_xact_lock(hashtextextended(:k, 0))")
        .bind("k", "ferry-locations:" + clientId)
        .mapTo(Integer.class)
        .one();
  }

  // ---- a connection ----------------------------------------------------------------------

  /**
   * Why connection {@code c} cannot be a job's side or a project's default destination: its kind is
   * not a files location (a {@code postgresql} server); empty when it can.
   */
  static Optional<String> notFiles(
      dev.ferry.activities.catalog.ConnectionKinds kinds, ConnectionRow c) {
    if (kinds.find(c.kind()).map(k -> k.files()).orElse(true)) {
      return Optional.empty();
    }
    List<String> files =
        kinds.all().stream().filter(k -> k.files()).map(k -> k.name()).sorted().toList();
    return Optional.of(
        "connection '"
            + c.name()
            + "' is a '"
            + c.kind()
            + "' connection, a database server and not a files location: a job copies files"
            + " between connections of kind "
            + String.join(", ", files)
            + " (a postgresql connection is for a transit cutover's databases); choose one of"
            + " those");
  }

  /**
   * The rules of a connection itself, as created or changed by {@code p}: a {@code local} one of
   * the server's worker (no {@code settings.agentId}) needs an operator token and a root the server
   * allows; one of an agent needs an agent that serves the connection's client.
   *
   * @throws ForbiddenResponse for a client token and a folder of the server
   */
  void connection(Sink e, Principal p, UUID clientId, String kind, Map<String, String> settings) {
    if (!LOCAL.equals(kind) || settings == null) {
      return;
    }
    String bound = settings.get(AGENT);
    if (bound != null) {
      UUID id;
      try {
        id = UUID.fromString(bound.trim());
      } catch (IllegalArgumentException x) {
        e.error("settings." + AGENT, "must be the id of an agent (a UUID), got '" + bound + "'");
        return;
      }
      Optional<AgentRow> a =
          s.agents
              .find(id)
              .filter(x -> x.clientId() == null ? p.operator() : x.clientId().equals(clientId));
      if (a.isEmpty()) {
        e.error("settings." + AGENT, "no agent with this id serves the connection's client");
      }
      return; // the agent's machine: the server's roots do not apply
    }
    if (!p.operator()) {
      throw new ForbiddenResponse(
          "a client token cannot create or change a 'local' connection of the server's own worker"
              + " (a folder on the server's disks): only an operator token can, and only under the"
              + " folders of "
              + LocalRoots.VARIABLE
              + ". For a folder on the client's own machine, set settings."
              + AGENT
              + " to the id of the client's agent and run the jobs on that agent");
    }
    String root = settings.get("root");
    if (root != null) {
      s.roots.problem(root, "").ifPresent(m -> e.error("settings.root", m));
    }
  }

  /**
   * Every rule of every job that uses the connection {@code cur}, as if it were {@code next} (its
   * change): where it reads and writes ({@link #local}), source and destination apart ({@link
   * #distinct}), and no move of a job that has run. Call it in the transaction that writes the
   * change, after {@link #lock}.
   *
   * @throws ConflictResponse when the change moves the location of a job that has run
   * @throws InvalidInput naming each job a rule refuses
   */
  void jobsOf(Principal p, ConnectionRow cur, ConnectionRow next) {
    boolean moved = moves(cur, next);
    Map<String, String> problems = new java.util.TreeMap<>();
    for (JobSpecRow j : s.jobs.using(cur.id())) {
      String label = "job '" + j.name() + "' (" + j.id() + ")";
      if (moved && s.jobs.hasRuns(j.id())) {
        throw new ConflictResponse(
            "connection '"
                + cur.name()
                + "' is used by "
                + label
                + ", which has run: its location settings ("
                + String.join(", ", changed(cur, next))
                + ") cannot change, or the job's next run would read or write somewhere its"
                + " manifest does not describe; create a new connection (and a new job) instead");
      }
      Side src = new Side("source", pick(j.sourceConnectionId(), next), j.sourcePath());
      Side dst = new Side("destination", pick(j.destConnectionId(), next), j.destPath());
      Sink e =
          (field, message) ->
              problems.merge(
                  "settings", label + ": " + field + " " + message, (a, b) -> a + "; " + b);
      distinct(e, src, dst);
      local(e, p, j.agentId(), src, dst, Sub.ofRows(s.jobs.owners(j.id())));
    }
    if (!problems.isEmpty()) {
      throw new InvalidInput(problems);
    }
  }

  private ConnectionRow pick(UUID id, ConnectionRow next) {
    return id.equals(next.id()) ? next : s.connections.find(id).orElse(null);
  }

  /** Whether {@code next} has other location settings than {@code cur} (tunables aside). */
  boolean moves(ConnectionRow cur, ConnectionRow next) {
    return !changed(cur, next).isEmpty();
  }

  private List<String> changed(ConnectionRow cur, ConnectionRow next) {
    java.util.Set<String> tunables =
        s.kinds.find(cur.kind()).map(k -> k.tunables()).orElse(java.util.Set.of());
    java.util.Set<String> keys = new java.util.TreeSet<>(cur.settings().keySet());
    keys.addAll(next.settings().keySet());
    keys.removeAll(tunables);
    return keys.stream()
        .filter(k -> !java.util.Objects.equals(cur.settings().get(k), next.settings().get(k)))
        .toList();
  }

  // ---- a job -----------------------------------------------------------------------------

  /**
   * The rules of a job's {@code local} sides, run on {@code agent} (null: the server's own worker)
   * for {@code p} (null at the start of a run: only the folders are judged): a connection of an
   * agent only on that agent; on the server, only for an operator and only under the allowed roots
   * (the job's paths and every owner's).
   *
   * @throws ForbiddenResponse for a client token and a folder of the server
   */
  void local(Sink e, Principal p, UUID agent, Side src, Side dst, List<Sub> owners) {
    for (Side side : new Side[] {src, dst}) {
      ConnectionRow c = side == null ? null : side.connection();
      if (c != null && agent == null && p != null && !p.operator()) {
        // settings naming files that the worker reads: the server's files on the server's worker
        List<String> files =
            s.kinds.find(c.kind()).map(k -> k.workerFiles()).orElse(java.util.Set.of()).stream()
                .filter(f -> c.settings().get(f) != null)
                .sorted()
                .toList();
        if (!files.isEmpty()) {
          throw new ForbiddenResponse(
              "a client token cannot run a job on the server's own worker with connection '"
                  + c.name()
                  + "' (the "
                  + side.field()
                  + "): its settings "
                  + String.join(", ", files)
                  + " name files of the machine that runs the job, here the server. Use a"
                  + " password or run the job on the client's agent (agentId)");
        }
      }
      if (c == null || !LOCAL.equals(c.kind())) {
        continue;
      }
      String bound = c.settings().get(AGENT);
      if (bound != null) {
        if (agent == null || !bound.trim().equalsIgnoreCase(agent.toString())) {
          e.error(
              side.field() + ".connectionId",
              "connection '"
                  + c.name()
                  + "' is a folder on the machine of agent "
                  + bound
                  + " (its settings."
                  + AGENT
                  + "): only a job on that agent can use it (agentId "
                  + bound
                  + ")");
        }
        continue;
      }
      if (agent != null) {
        continue; // the agent's machine, not the server's: the server's roots do not apply
      }
      if (p != null && !p.operator()) {
        throw new ForbiddenResponse(
            "a client token can use a 'local' connection ('"
                + c.name()
                + "', the "
                + side.field()
                + ") only for a job on its client's own agent: set agentId to the client's agent."
                + " Without one the job runs on the server's own worker, whose folders only an"
                + " operator can use (under "
                + LocalRoots.VARIABLE
                + ")");
      }
      String root = c.settings().get("root");
      if (root == null) {
        continue;
      }
      List<String> paths = new ArrayList<>();
      paths.add(side.path() == null ? "" : side.path());
      for (Sub o : owners == null ? List.<Sub>of() : owners) {
        String sub = side == src ? o.source() : o.dest();
        if (sub != null && !sub.isEmpty() && SafePath.problem(sub).isEmpty()) {
          paths.add(SafePath.join(paths.get(0), sub));
        }
      }
      for (String path : paths) {
        Optional<String> problem = s.roots.problem(root, path);
        if (problem.isPresent()) {
          e.error(
              side.field() + (path.isEmpty() ? ".connectionId" : ".path"),
              "the job runs on the server's own worker (no agentId) and its "
                  + side.field()
                  + " is a folder of the server: "
                  + problem.get());
          break;
        }
      }
    }
  }

  /**
   * Refuses a destination that is the source, inside it, or around it — on the same connection, or
   * on two local connections (of the same machine) whose folders overlap.
   */
  static void distinct(Sink e, Side src, Side dst) {
    if (src == null || dst == null) {
      return;
    }
    String a = where(src);
    String b = where(dst);
    if (a == null || b == null) {
      return;
    }
    if (a.equals(b)) {
      e.error("destination", "is the same location as the source");
    } else if (b.startsWith(a.endsWith("/") ? a : a + "/")) {
      e.error("destination", "is inside the source: the copy would be copied again");
    } else if (a.startsWith(b.endsWith("/") ? b : b + "/")) {
      e.error("destination", "contains the source: choose a destination beside it");
    }
  }

  /**
   * A comparable name of a location: the folder for local connections (with the machine it is on,
   * and its real path where it exists), else connection id and path.
   */
  private static String where(Side l) {
    ConnectionRow c = l.connection();
    if (c == null) {
      return null;
    }
    String path = l.path() == null ? "" : l.path();
    if (c.kind().equals(LOCAL) && c.settings().get("root") != null) {
      try {
        Path p = Path.of(c.settings().get("root")).resolve(path);
        String machine = c.settings().get(AGENT);
        Path real = p.normalize();
        if (machine == null) {
          try {
            real = LocalRoots.realOrThrow(p); // a folder of this machine: as the OS resolves it
          } catch (java.io.IOException x) {
            // judged as written
          }
        }
        return (machine == null ? "" : "agent:" + machine.trim().toLowerCase(java.util.Locale.ROOT))
            + real;
      } catch (InvalidPathException x) {
        return null;
      }
    }
    return c.id() + "/" + path;
  }
}
