package dev.ferry.api.server;

import dev.ferry.activities.catalog.AgentRow;
import dev.ferry.activities.catalog.ConnectionKind;
import dev.ferry.activities.catalog.ConnectionLocation;
import dev.ferry.activities.catalog.ConnectionRow;
import dev.ferry.activities.catalog.JobRunRow;
import dev.ferry.activities.catalog.JobRuns;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.activities.catalog.Jobs;
import dev.ferry.activities.catalog.OwnerRow;
import dev.ferry.activities.catalog.OwnerRunRow;
import dev.ferry.activities.catalog.ProjectRow;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.storage.SafePath;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.RunMode;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.NotFoundResponse;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /projects/{projectId}/jobs} and {@code /jobs}: what to move, where, how; runs and the
 * pause / resume / cancel actions. A job's source and destination cannot change once it has run
 * (its manifest describes them); everything else can. Reads and answers HTTP; the rules of a job
 * that depend on its runs are {@link JobService}'s, checked with the job locked.
 */
final class JobsResource {
  static final List<String> STATES = Arrays.stream(JobState.values()).map(Enum::name).toList();

  private final Services s;

  JobsResource(Services s) {
    this.s = s;
  }

  // ---- jobs -------------------------------------------------------------------------------

  void list(Context ctx) {
    Http.onlyQuery(ctx, "clientId", "projectId", "state", "limit", "offset");
    Principal p = Auth.principal(ctx);
    UUID client = Http.uuidQuery(ctx, "clientId");
    UUID project = Http.uuidQuery(ctx, "projectId");
    String state = ctx.queryParam("state");
    if (state != null) {
      String st = state.trim().toUpperCase(java.util.Locale.ROOT);
      if (!STATES.contains(st)) {
        throw InvalidInput.of("state", "must be one of " + String.join(", ", STATES));
      }
      state = st;
    }
    int limit = Http.intQuery(ctx, "limit", 50, 1, 500);
    int offset = Http.intQuery(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    if (p.scope() != null) {
      if (client != null && !client.equals(p.scope())) {
        ctx.json(page(List.of(), limit, offset));
        return;
      }
      client = p.scope();
    }
    List<Views.Job> jobs =
        s.jobs.list(new Jobs.Filter(client, project, state, limit, offset)).stream()
            .map(j -> Views.job(j, s.jobs.owners(j.id()), false, lastRun(j, false)))
            .toList();
    ctx.json(page(jobs, limit, offset));
  }

  private static Map<String, Object> page(List<Views.Job> jobs, int limit, int offset) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("jobs", jobs);
    m.put("limit", limit);
    m.put("offset", offset);
    m.put("nextOffset", jobs.size() == limit ? offset + limit : null);
    return m;
  }

  void create(Context ctx) {
    Http.onlyQuery(ctx);
    ProjectRow project = ProjectsResource.visible(s, ctx, Http.id(ctx, "projectId"));
    Input in = Http.body(ctx);
    String name = in.string("name", true, 200);
    Views.Location src = location(in, "source", project.clientId(), null);
    Views.Location dst =
        location(in, "destination", project.clientId(), project.defaultDestConnectionId());
    List<Jobs.OwnerSpec> owners = OwnersInput.fromJson(in, "owners");
    JobOptions options = JobOptions.read(in, JobOptions.defaults(), Instant.now());
    UUID agent = agent(in, ctx, project.clientId());
    Principal p = Auth.principal(ctx);
    List<JobRules.Sub> subs = JobRules.Sub.ofSpecs(owners);
    if (!in.hasErrors()) {
      places(in::error, p, agent, src, dst, subs);
    }
    checkLinks(in, options, dst);
    in.check();
    JobSpecRow row =
        new JobSpecRow(
            UUID.randomUUID(),
            project.id(),
            project.clientId(),
            name,
            src.connectionId(),
            ConnectionLocation.normalize(src.path()),
            dst.connectionId(),
            ConnectionLocation.normalize(dst.path()),
            options.toJson(),
            agent,
            null,
            null,
            null);
    s.jdbi.useTransaction(
        h -> {
          JobRules.lock(h, project.clientId());
          again(p, agent, src, dst, subs); // as committed now
          s.jobs.insert(h, row, owners == null ? List.of() : owners);
        });
    s.syncAgentSecrets();
    JobSpecRow saved = s.jobs.find(row.id()).orElseThrow();
    ctx.status(HttpStatus.CREATED).json(Views.job(saved, s.jobs.owners(saved.id()), true, null));
  }

  void get(Context ctx) {
    Http.onlyQuery(ctx);
    JobSpecRow j = visible(s, ctx, Http.id(ctx, "jobId"));
    ctx.json(Views.job(j, s.jobs.owners(j.id()), true, lastRun(j, true)));
  }

  void update(Context ctx) {
    Http.onlyQuery(ctx);
    JobSpecRow cur = visible(s, ctx, Http.id(ctx, "jobId"));
    Input in = Http.body(ctx);
    String name = in.has("name") ? in.string("name", true, 200) : cur.name();
    Views.Location src = new Views.Location(cur.sourceConnectionId(), cur.sourcePath());
    Views.Location dst = new Views.Location(cur.destConnectionId(), cur.destPath());
    boolean moved = false;
    if (in.has("source")) {
      src = location(in, "source", cur.clientId(), null);
      moved = true;
    }
    if (in.has("destination")) {
      dst = location(in, "destination", cur.clientId(), null);
      moved = true;
    }
    List<Jobs.OwnerSpec> owners = in.has("owners") ? OwnersInput.fromJson(in, "owners") : null;
    if (in.has("owners") && owners == null) {
      owners = List.of();
    }
    JobOptions options = JobOptions.read(in, JobOptions.fromJson(cur.options()), Instant.now());
    UUID agent = in.has("agentId") ? agent(in, ctx, cur.clientId()) : cur.agentId();
    Principal p = Auth.principal(ctx);
    List<JobRules.Sub> subs =
        owners != null
            ? JobRules.Sub.ofSpecs(owners)
            : JobRules.Sub.ofRows(s.jobs.owners(cur.id()));
    if (!in.hasErrors()) {
      // every rule of creating a job, on the job as changed (whatever changed)
      places(in::error, p, agent, src, dst, subs);
    }
    checkLinks(in, options, dst);
    in.check();
    boolean relocated =
        moved
                && (!src.connectionId().equals(cur.sourceConnectionId())
                    || !ConnectionLocation.normalize(src.path()).equals(cur.sourcePath())
                    || !dst.connectionId().equals(cur.destConnectionId())
                    || !ConnectionLocation.normalize(dst.path()).equals(cur.destPath()))
            || machineMoved(cur, agent, src, dst);
    if (relocated) {
      s.jobService.requireNeverRun(cur);
    }
    JobSpecRow row =
        new JobSpecRow(
            cur.id(),
            cur.projectId(),
            cur.clientId(),
            name,
            src.connectionId(),
            ConnectionLocation.normalize(src.path()),
            dst.connectionId(),
            ConnectionLocation.normalize(dst.path()),
            options.toJson(),
            agent,
            null,
            null,
            null);
    List<Jobs.OwnerSpec> fOwners = owners;
    Views.Location fSrc = src;
    Views.Location fDst = dst;
    // no new owners or locations while a run has not ended: checked with the job locked, in the
    // transaction that writes (JobService), so a run cannot start in between
    s.jobService.lockedDo(
        cur,
        fOwners != null || relocated,
        (h, locked) -> {
          // as committed now: a connection changed meanwhile, a run started meanwhile
          again(
              p,
              agent,
              fSrc,
              fDst,
              fOwners != null ? subs : JobRules.Sub.ofRows(s.jobs.owners(cur.id())));
          if (relocated) {
            s.jobService.requireNeverRun(cur);
          }
          s.jobs.update(h, row);
          if (fOwners != null) {
            s.jobs.replaceOwners(h, row, fOwners);
          }
        });
    s.syncAgentSecrets();
    JobSpecRow saved = s.jobs.find(cur.id()).orElseThrow(() -> Http.goneMeanwhile("job"));
    ctx.json(Views.job(saved, s.jobs.owners(saved.id()), true, lastRun(saved, false)));
  }

  void delete(Context ctx) {
    Http.onlyQuery(ctx);
    JobSpecRow cur = visible(s, ctx, Http.id(ctx, "jobId"));
    s.jobService.lockedDo(
        cur,
        true,
        (h, locked) -> {
          JobService.requireNoTransit(h, cur.id());
          s.jobs.delete(cur.id());
        });
    s.syncAgentSecrets();
    ctx.status(HttpStatus.NO_CONTENT);
  }

  // ---- owners -----------------------------------------------------------------------------

  void owners(Context ctx) {
    Http.onlyQuery(ctx);
    JobSpecRow j = visible(s, ctx, Http.id(ctx, "jobId"));
    ctx.json(
        Map.of(
            "owners",
            s.jobs.owners(j.id()).stream()
                .filter(o -> !o.implicit())
                .map(Views.Owner::of)
                .toList()));
  }

  /**
   * Replaces the owners: JSON {@code {"owners": [...]}} or CSV ({@code Content-Type: text/csv}).
   */
  void replaceOwners(Context ctx) {
    Http.onlyQuery(ctx);
    JobSpecRow j = visible(s, ctx, Http.id(ctx, "jobId"));
    Http.requireContentType(ctx, "application/json", "text/csv");
    String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
    List<Jobs.OwnerSpec> owners;
    if (type.startsWith("text/csv")) {
      owners = OwnersInput.fromCsv(Http.utf8(ctx.bodyAsBytes()));
    } else {
      Input in = Http.body(ctx);
      owners = OwnersInput.fromJson(in, "owners");
      if (owners == null) {
        in.error("owners", "is required (an empty list removes every owner)");
      }
      in.check();
    }
    Principal p = Auth.principal(ctx);
    Views.Location src = new Views.Location(j.sourceConnectionId(), j.sourcePath());
    Views.Location dst = new Views.Location(j.destConnectionId(), j.destPath());
    List<JobRules.Sub> subs = JobRules.Sub.ofSpecs(owners);
    again(p, j.agentId(), src, dst, subs); // the owners' folders follow the job's rules
    List<Jobs.OwnerSpec> fOwners = owners;
    s.jobService.lockedDo(
        j,
        true,
        (h, locked) -> {
          again(p, j.agentId(), src, dst, subs);
          s.jobs.replaceOwners(h, j, fOwners);
        });
    owners(ctx);
  }

  // ---- runs -------------------------------------------------------------------------------

  void startRun(Context ctx) {
    Http.onlyQuery(ctx);
    JobSpecRow j = visible(s, ctx, Http.id(ctx, "jobId"));
    Input in = Http.body(ctx);
    String mode = in.oneOf("mode", true, Arrays.stream(RunMode.values()).map(Enum::name).toList());
    List<OwnerRow> all = s.jobs.owners(j.id());
    List<OwnerRow> owners = chosenOwners(in, all);
    in.check();
    // every owner: those the job has when the run is created (a change of them may come first)
    JobRunRow run = s.jobService.start(j, RunMode.valueOf(mode), owners == all ? null : owners);
    ctx.status(HttpStatus.CREATED)
        .json(
            Views.run(
                run,
                s.sampler.rate(run),
                s.jobRuns.ownerRuns(run.id()),
                s.jobRuns.ownerTotals(run.id()),
                null));
  }

  /**
   * A staged start: {@code owners}, a list naming some of the job's owners each by its id, its
   * source path or its name (when no other owner has it), runs only those; absent, every owner
   * runs. An empty list, an owner the job does not have, a name two owners share, or a job that
   * lists no owners is a 400 naming the entry. Returns the owners to run, in the job's order.
   */
  static List<OwnerRow> chosenOwners(Input in, List<OwnerRow> all) {
    List<String> wanted = in.strings("owners", OwnersInput.MAX_OWNERS, OwnersInput.MAX_PATH);
    if (wanted == null) {
      return all;
    }
    List<OwnerRow> listed = all.stream().filter(o -> !o.implicit()).toList();
    if (wanted.isEmpty()) {
      in.error(
          "owners",
          "must name at least one of the job's owners (by id, source path or name); leave it out"
              + " to run every owner");
      return all;
    }
    if (listed.isEmpty()) {
      in.error(
          "owners",
          "the job lists no owners (it runs its whole source as one): leave owners out, or give"
              + " the job owners first (PUT /jobs/{jobId}/owners)");
      return all;
    }
    java.util.Set<UUID> chosen = new java.util.HashSet<>();
    for (int i = 0; i < wanted.size(); i++) {
      String w = wanted.get(i).trim();
      List<OwnerRow> match =
          listed.stream().filter(o -> o.id().toString().equalsIgnoreCase(w)).toList();
      if (match.isEmpty()) {
        String path = ConnectionLocation.normalize(w);
        match = listed.stream().filter(o -> o.sourcePath().equals(path)).toList();
      }
      if (match.isEmpty()) {
        match = listed.stream().filter(o -> w.equals(o.name())).toList();
      }
      if (match.size() > 1) {
        in.error(
            "owners[" + i + "]",
            "'" + w + "' is the name of " + match.size() + " owners: give the id or source path");
      } else if (match.isEmpty()) {
        in.error(
            "owners[" + i + "]",
            "the job has no owner '"
                + w
                + "' (by id, source path or name); its owners: "
                + listed.stream()
                    .limit(10)
                    .map(
                        o ->
                            o.name() != null
                                ? o.name() + " (" + o.sourcePath() + ")"
                                : o.sourcePath())
                    .collect(java.util.stream.Collectors.joining(", "))
                + (listed.size() > 10
                    ? ", … (" + listed.size() + " in all: GET /jobs/{jobId}/owners)"
                    : ""));
      } else {
        chosen.add(match.get(0).id());
      }
    }
    return listed.stream().filter(o -> chosen.contains(o.id())).toList();
  }

  void runs(Context ctx) {
    Http.onlyQuery(ctx, "limit");
    JobSpecRow j = visible(s, ctx, Http.id(ctx, "jobId"));
    int limit = Http.intQuery(ctx, "limit", 20, 1, 500);
    ctx.json(
        Map.of(
            "runs",
            s.jobRuns.list(j.id(), limit).stream()
                .map(r -> Views.run(r, s.sampler.rate(r), null))
                .toList()));
  }

  /**
   * A run with a page of its owners ({@code limit}, default 100, from {@code offset}), only those
   * of {@code state} and {@code light} when given, and the owners' totals per state and light.
   */
  void run(Context ctx) {
    Http.onlyQuery(ctx, "state", "light", "limit", "offset");
    JobRunRow r = RunsResource.visibleRun(s, ctx);
    String state = word(ctx, "state", JobRuns.OWNER_STATES);
    String light = word(ctx, "light", JobRuns.OWNER_LIGHTS);
    int limit = Http.intQuery(ctx, "limit", 100, 1, 1000);
    int offset = Http.intQuery(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    List<OwnerRunRow> owners = s.jobRuns.ownerRuns(r.id(), true, state, light, limit + 1, offset);
    boolean more = owners.size() > limit;
    ctx.json(
        Views.run(
                r,
                s.sampler.rate(r),
                s.jobRuns.withReruns(r.id(), more ? owners.subList(0, limit) : owners),
                s.jobRuns.ownerTotals(r.id()),
                new Views.OwnersPage(
                    state, light, limit, offset, more ? (long) offset + limit : null),
                s.shards::of)
            .waitingFor(AgentWaits.of(s, r)));
  }

  /**
   * An optional filter word, one of {@code allowed}; case, spaces and hyphens do not matter ({@code
   * completed with errors} is {@code completed_with_errors}). Else a 400 listing them.
   */
  private static String word(Context ctx, String name, List<String> allowed) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return null;
    }
    String w = v.trim().toLowerCase(Locale.ROOT).replaceAll("[\\s-]+", "_");
    if (!allowed.contains(w)) {
      throw InvalidInput.of(
          name, "must be one of " + String.join(", ", allowed) + " (got '" + v + "')");
    }
    return w;
  }

  void pause(Context ctx) {
    control(ctx, RunLauncher.Action.PAUSE);
  }

  void resume(Context ctx) {
    control(ctx, RunLauncher.Action.RESUME);
  }

  void cancel(Context ctx) {
    control(ctx, RunLauncher.Action.CANCEL);
  }

  private void control(Context ctx, RunLauncher.Action action) {
    Http.onlyQuery(ctx);
    JobSpecRow j = visible(s, ctx, Http.id(ctx, "jobId"));
    Http.optionalBody(ctx).check(); // no fields: anything sent is a mistake
    JobRunRow r = s.launcher.control(j, action);
    ctx.status(HttpStatus.ACCEPTED)
        .json(
            Views.run(
                r,
                s.sampler.rate(r),
                s.jobRuns.ownerRuns(r.id()),
                s.jobRuns.ownerTotals(r.id()),
                null));
  }

  // ---- helpers ----------------------------------------------------------------------------

  private Views.Run lastRun(JobSpecRow j, boolean withOwners) {
    Optional<JobRunRow> r = s.jobRuns.latest(j.id());
    // a job's lastRun has its owners' totals (the lights at a glance); a listing's not the owners
    return r.map(
            run ->
                Views.run(
                        run,
                        s.sampler.rate(run),
                        withOwners ? s.jobRuns.ownerRuns(run.id()) : null,
                        s.jobRuns.ownerTotals(run.id()),
                        null)
                    .waitingFor(AgentWaits.of(s, run)))
        .orElse(null);
  }

  /** {@code field: {connectionId, path}}; the connection must belong to the client. */
  Views.Location location(Input in, String field, UUID clientId, UUID defaultConnection) {
    Input o = in.object(field);
    if (o == null) {
      if (defaultConnection != null) {
        return new Views.Location(defaultConnection, "");
      }
      in.error(
          field,
          "is required: {connectionId, path}"
              + (field.equals("destination") ? " (the project has no default destination)" : ""));
      return null;
    }
    UUID id = o.uuid("connectionId", defaultConnection == null);
    if (id == null) {
      id = defaultConnection;
    }
    String path = o.path("path", OwnersInput.MAX_PATH);
    String norm = ConnectionLocation.normalize(path);
    if (!norm.isEmpty()) {
      SafePath.problem(norm)
          .ifPresent(p -> o.error("path", "'" + path + "': " + OwnersInput.onSide(p, field)));
    }
    if (id != null) {
      Optional<ConnectionRow> c = s.connections.find(id).filter(x -> x.clientId().equals(clientId));
      if (c.isEmpty()) {
        o.error("connectionId", "no connection with this id belongs to the job's client");
      } else {
        JobRules.notFiles(s.kinds, c.get()).ifPresent(m -> o.error("connectionId", m));
      }
    }
    return id == null ? null : new Views.Location(id, norm);
  }

  /**
   * The rules of where a job reads and writes ({@link JobRules}): its local folders (the machine,
   * the token, the server's roots) and its destination apart from its source.
   */
  void places(
      JobRules.Sink e,
      Principal p,
      UUID agent,
      Views.Location src,
      Views.Location dst,
      List<JobRules.Sub> owners) {
    if (src == null || dst == null) {
      return;
    }
    JobRules.Side a = side("source", src);
    JobRules.Side b = side("destination", dst);
    s.rules.local(e, p, agent, a, b, owners);
    JobRules.distinct(e, a, b);
  }

  /** {@link #places}, throwing a 400 with every problem; for the transaction that writes. */
  void again(
      Principal p, UUID agent, Views.Location src, Views.Location dst, List<JobRules.Sub> owners) {
    Map<String, String> problems = new java.util.TreeMap<>();
    places(problems::putIfAbsent, p, agent, src, dst, owners);
    if (!problems.isEmpty()) {
      throw new InvalidInput(problems);
    }
  }

  private JobRules.Side side(String field, Views.Location l) {
    return new JobRules.Side(field, s.connections.find(l.connectionId()).orElse(null), l.path());
  }

  /**
   * Whether the job moves to another machine (its agent, or the server's worker) while a side is a
   * {@code local} folder, which then names a folder of that other machine.
   */
  private boolean machineMoved(JobSpecRow cur, UUID agent, Views.Location src, Views.Location dst) {
    if (java.util.Objects.equals(agent, cur.agentId())) {
      return false;
    }
    return java.util.stream.Stream.of(src, dst)
        .map(l -> s.connections.find(l.connectionId()))
        .anyMatch(c -> c.isPresent() && JobRules.LOCAL.equals(c.get().kind()));
  }

  /**
   * Refuses {@code links=preserve} towards a destination whose connector cannot hold symbolic links
   * (its kind's declared capability), naming the kinds that can.
   */
  private void checkLinks(Input in, JobOptions options, Views.Location dst) {
    if (!RunOptions.LINKS_PRESERVE.equals(options.links()) || dst == null || in.hasErrors()) {
      return;
    }
    Optional<ConnectionRow> c = s.connections.find(dst.connectionId());
    if (c.isEmpty() || s.kinds.find(c.get().kind()).map(ConnectionKind::holdsLinks).orElse(false)) {
      return;
    }
    List<String> can =
        s.kinds.all().stream()
            .filter(ConnectionKind::holdsLinks)
            .map(ConnectionKind::name)
            .sorted()
            .toList();
    in.error(
        "options.links",
        "preserve recreates symbolic links, and the destination is a '"
            + c.get().kind()
            + "' connection, which cannot hold them; destinations that can: "
            + String.join(", ", can)
            + ". Use skip (the default) or follow");
  }

  private UUID agent(Input in, Context ctx, UUID clientId) {
    UUID id = in.uuid("agentId", false);
    if (id == null) {
      return null;
    }
    Principal p = Auth.principal(ctx);
    Optional<AgentRow> a =
        s.agents
            .find(id)
            .filter(x -> x.clientId() == null ? p.operator() : x.clientId().equals(clientId));
    if (a.isEmpty()) {
      in.error("agentId", "no agent with this id serves the job's client");
      return null;
    }
    return id;
  }

  /** The job with this id, if the principal may see it; else 404. */
  static JobSpecRow visible(Services s, Context ctx, UUID id) {
    JobSpecRow j = s.jobs.find(id).orElseThrow(() -> new NotFoundResponse("job not found"));
    Auth.principal(ctx).requireSees(j.clientId(), "job");
    return j;
  }

  static List<OwnerRow> ownersOf(Services s, JobSpecRow j) {
    return s.jobs.owners(j.id());
  }
}
