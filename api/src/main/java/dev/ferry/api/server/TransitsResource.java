package dev.ferry.api.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ferry.activities.catalog.ClientRow;
import dev.ferry.activities.catalog.ConnectionLocation;
import dev.ferry.activities.catalog.ConnectionRow;
import dev.ferry.activities.catalog.Cutovers;
import dev.ferry.activities.catalog.JobRunRow;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.activities.catalog.Jobs;
import dev.ferry.activities.catalog.ProjectRow;
import dev.ferry.activities.catalog.Transits;
import dev.ferry.workflows.AccountMoveWorkflow;
import dev.ferry.workflows.CutoverStatus;
import dev.ferry.workflows.FerryAttributes;
import dev.ferry.workflows.Labels;
import dev.ferry.workflows.MigrationWorkflow;
import dev.ferry.workflows.TransitCutoverWorkflow;
import dev.ferry.workflows.TransitInput;
import dev.ferry.workflows.TransitState;
import dev.ferry.workflows.TransitStatus;
import io.javalin.http.ConflictResponse;
import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.HttpStatus;
import io.javalin.http.NotFoundResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code /transits}: create a client server's transit cutover (its catalog row, its two jobs —
 * every account's files to the transit and back, one owner per account — and its {@link
 * TransitCutoverWorkflow}), list and read them, and drive one step by step ({@code POST
 * /transits/{id}/{step}}, each a validated workflow Update: a step out of order is a 409 with the
 * workflow's reason). {@code request}, {@code reinstall}, {@code rehearse} and a finalization by
 * support are operator steps; a client's token moves its own accounts and may finalize as the user.
 */
final class TransitsResource {
  /** The steps of {@code POST /transits/{id}/{step}}, with their Updates. */
  static final Map<String, String> STEPS =
      Map.of(
          "request", "request",
          "move-account", "moveAccount",
          "move-back", "moveBack",
          "reinstall", "reinstall",
          "finalize", "finalizeTransit",
          "rehearse", "rehearse");

  /** Steps only an operator (support) takes. */
  static final Set<String> OPERATOR_STEPS = Set.of("request", "reinstall", "rehearse");

  static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  static final Pattern DATABASE = Pattern.compile("[A-Za-z_][A-Za-z0-9_$-]{0,62}");
  static final String POSTGRESQL = "postgresql";

  private final Services s;
  private final Transits transits;
  private final JobsResource jobs;

  TransitsResource(Services s) {
    this.s = s;
    this.transits = new Transits(s.jdbi);
    this.jobs = new JobsResource(s);
  }

  private WorkflowClient client() {
    return s.launcher.client();
  }

  // ---- create

  void create(Context ctx) {
    Http.onlyQuery(ctx);
    Input in = Http.body(ctx);
    UUID projectId = in.uuid("projectId", true);
    ProjectRow project = null;
    if (projectId != null) {
      project = s.projects.find(projectId).orElse(null);
      if (project == null || !Auth.principal(ctx).sees(project.clientId())) {
        in.error("projectId", "no project with this id is yours");
        project = null;
      }
    }
    UUID clientId = project == null ? null : project.clientId();
    String name = in.string("name", true, 200);
    String kind = in.oneOf("kind", false, List.of("dedicated", "shared"));
    kind = kind == null ? "dedicated" : kind;
    Input server = in.object("server");
    Input transit = in.object("transit");
    if (server == null) {
      in.error("server", "is required: {files: {connectionId, path}, postgresql: connectionId}");
    }
    if (transit == null) {
      in.error("transit", "is required: {files: {connectionId, path}, postgresql: connectionId}");
    }
    Views.Location serverFiles =
        server == null || clientId == null ? null : jobs.location(server, "files", clientId, null);
    Views.Location transitFiles =
        transit == null || clientId == null
            ? null
            : jobs.location(transit, "files", clientId, null);
    UUID serverDb = server == null ? null : database(server, clientId);
    UUID transitDb = transit == null ? null : database(transit, clientId);
    List<Transits.Account> accounts = accounts(in);
    boolean anyDatabase = accounts.stream().anyMatch(a -> !a.databases().isEmpty());
    if (anyDatabase && server != null && serverDb == null && !server.hasErrors()) {
      server.error("postgresql", "is required: an account has databases");
    }
    if (anyDatabase && transit != null && transitDb == null && !transit.hasErrors()) {
      transit.error("postgresql", "is required: an account has databases");
    }
    Map<String, Cutovers.Hook> hooks = new LinkedHashMap<>();
    Input h = in.object("hooks");
    if (h != null) {
      for (String which : List.of("freeze", "unfreeze", "route")) {
        Cutovers.Hook hook = CutoverResource.hook(ctx, h, which);
        if (hook != null) {
          hooks.put(which, hook);
        }
      }
    }
    Integer freeDays = in.integer("freeDays", 1, 365);
    Integer finalizeDays = in.integer("finalizeDays", 1, 90);
    Integer monthly = in.integer("monthlyPriceCents", 0, 1_000_000_000);
    Principal p = Auth.principal(ctx);
    List<JobRules.Sub> subs =
        JobRules.Sub.ofSpecs(
            accounts.stream().map(a -> new Jobs.OwnerSpec(a.name(), a.path(), a.path())).toList());
    if (!in.hasErrors()) {
      jobs.places(in::error, p, null, serverFiles, transitFiles, subs);
    }
    in.check();
    ClientRow client = s.clients.find(clientId).orElseThrow();
    if (!"ACTIVE".equals(client.status())) {
      throw new ConflictResponse(
          "client '" + client.name() + "' is " + client.status() + ": no transit");
    }
    UUID id = UUID.randomUUID();
    List<Jobs.OwnerSpec> owners =
        accounts.stream().map(a -> new Jobs.OwnerSpec(a.name(), a.path(), a.path())).toList();
    String options = JobOptions.defaults().toJson();
    JobSpecRow out =
        jobRow(project, name + " — to the transit", serverFiles, transitFiles, options);
    JobSpecRow back =
        jobRow(project, name + " — back to the client server", transitFiles, serverFiles, options);
    Map<String, Long> settings = new LinkedHashMap<>();
    settings.put("freeDays", (long) (freeDays == null ? TransitInput.DEFAULT_FREE_DAYS : freeDays));
    settings.put(
        "finalizeDays",
        (long) (finalizeDays == null ? TransitInput.DEFAULT_FINALIZE_DAYS : finalizeDays));
    if (monthly != null) {
      settings.put("monthlyPriceCents", monthly.longValue());
    }
    String by = who(ctx);
    Transits.Row row =
        new Transits.Row(
            id,
            clientId,
            project.id(),
            name,
            kind,
            out.id(),
            back.id(),
            serverDb,
            transitDb,
            accounts,
            settings,
            by,
            null);
    s.jdbi.useTransaction(
        tx -> {
          JobRules.lock(tx, clientId);
          jobs.again(p, null, serverFiles, transitFiles, subs); // as committed now
          s.jobs.insert(tx, out, owners);
          s.jobs.insert(tx, back, owners);
          transits.insert(tx, row, hooks);
        });
    s.syncAgentSecrets();
    TransitInput input =
        new TransitInput(
            id.toString(),
            clientId.toString(),
            kind.equals("shared"),
            accounts.stream().map(a -> new TransitInput.Account(a.name(), a.databases())).toList(),
            serverDb == null ? null : serverDb.toString(),
            transitDb == null ? null : transitDb.toString(),
            settings.get("freeDays").intValue(),
            settings.get("finalizeDays").intValue(),
            monthly == null ? null : Math.round(monthly / 30.0),
            out.id().toString(),
            back.id().toString(),
            by,
            dev.ferry.api.runtime.SearchAttributeSetup.ready(client())
                ? new Labels(
                    out.id().toString(),
                    null,
                    clientId.toString(),
                    project.id().toString(),
                    null,
                    null,
                    FerryAttributes.KIND_TRANSIT)
                : null,
            null);
    WorkflowOptions.Builder o =
        WorkflowOptions.newBuilder()
            .setWorkflowId(TransitCutoverWorkflow.workflowId(id.toString()))
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .setStaticSummary(
                "Transit cutover '"
                    + name
                    + "' ("
                    + kind
                    + ") of client "
                    + client.name()
                    + ": "
                    + place(serverFiles)
                    + " → "
                    + place(transitFiles)
                    + ", "
                    + accounts.size()
                    + " accounts");
    if (input.labels() != null) {
      o.setTypedSearchAttributes(
          FerryAttributes.atStart(input.labels(), TransitState.CREATED.label()));
    }
    TransitCutoverWorkflow wf = client().newWorkflowStub(TransitCutoverWorkflow.class, o.build());
    WorkflowClient.start(wf::run, input);
    ctx.status(HttpStatus.CREATED).json(view(transits.find(id).orElseThrow(), wf.status()));
  }

  private String place(Views.Location l) {
    String conn = s.connections.find(l.connectionId()).map(ConnectionRow::name).orElse("?");
    return conn + ":/" + l.path();
  }

  private static JobSpecRow jobRow(
      ProjectRow project, String name, Views.Location src, Views.Location dst, String options) {
    return new JobSpecRow(
        UUID.randomUUID(),
        project.id(),
        project.clientId(),
        name.length() > 200 ? name.substring(0, 200) : name,
        src.connectionId(),
        ConnectionLocation.normalize(src.path()),
        dst.connectionId(),
        ConnectionLocation.normalize(dst.path()),
        options,
        null,
        null,
        null,
        null);
  }

  /** A side's PostgreSQL server: a connection of kind postgresql of the client, or null. */
  private UUID database(Input side, UUID clientId) {
    UUID id = side.uuid("postgresql", false);
    if (id == null || clientId == null) {
      return null;
    }
    ConnectionRow c =
        s.connections.find(id).filter(x -> x.clientId().equals(clientId)).orElse(null);
    if (c == null) {
      side.error("postgresql", "no connection with this id belongs to the project's client");
      return null;
    }
    if (!POSTGRESQL.equals(c.kind())) {
      side.error(
          "postgresql",
          "connection '" + c.name() + "' is of kind " + c.kind() + "; a postgresql one is needed");
      return null;
    }
    return id;
  }

  private static List<Transits.Account> accounts(Input in) {
    List<Input> list = in.objects("accounts", OwnersInput.MAX_OWNERS);
    List<Transits.Account> out = new ArrayList<>();
    if (list == null) {
      in.error("accounts", "is required: [{name, path, databases}]");
      return out;
    }
    if (list.isEmpty()) {
      in.error("accounts", "must name at least one account");
    }
    Set<String> seen = new HashSet<>();
    for (Input a : list) {
      String name = a.string("name", true, 100);
      if (name != null && !ACCOUNT.matcher(name).matches()) {
        a.error("name", "letters, digits, '.', '_' and '-' only, starting with a letter or digit");
      } else if (name != null && !seen.add(name)) {
        a.error("name", "'" + name + "' is named twice");
      }
      String path = a.path("path", OwnersInput.MAX_PATH);
      List<String> dbs = a.strings("databases", 100, 63);
      if (dbs != null) {
        for (String d : dbs) {
          if (!DATABASE.matcher(d).matches()) {
            a.error("databases", "'" + d + "' is not a PostgreSQL database name Ferry moves");
          }
        }
      }
      out.add(
          new Transits.Account(
              name,
              path == null || path.isBlank() ? name : ConnectionLocation.normalize(path),
              dbs == null ? List.of() : List.copyOf(dbs)));
    }
    if (!in.hasErrors()) {
      OwnersInput.check(
              out.stream().map(x -> new Jobs.OwnerSpec(x.name(), x.path(), x.path())).toList(),
              i -> "accounts[" + i + "].")
          .forEach((k, v) -> in.error(k.replace("sourcePath", "path"), v));
    }
    return out;
  }

  /** The token's name, for the record of who took a step. */
  private String who(Context ctx) {
    Principal p = Auth.principal(ctx);
    if (p.tokenId() == null) {
      return "admin (FERRY_ADMIN_TOKEN)";
    }
    return s.tokens.find(p.tokenId()).map(t -> t.name()).orElse("token " + p.tokenId());
  }

  // ---- read

  private Transits.Row visible(Context ctx) {
    UUID id = Http.id(ctx, "transitId");
    Transits.Row t = transits.find(id).orElseThrow(() -> new NotFoundResponse("transit not found"));
    Auth.principal(ctx).requireSees(t.clientId(), "transit");
    return t;
  }

  private TransitStatus status(Transits.Row t) {
    try {
      return client()
          .newWorkflowStub(
              TransitCutoverWorkflow.class, TransitCutoverWorkflow.workflowId(t.id().toString()))
          .status();
    } catch (WorkflowNotFoundException | io.temporal.client.WorkflowQueryException e) {
      return null;
    }
  }

  void list(Context ctx) {
    Http.onlyQuery(ctx, "clientId", "limit", "offset");
    Principal p = Auth.principal(ctx);
    UUID clientId = Http.uuidQuery(ctx, "clientId");
    int limit = Http.intQuery(ctx, "limit", 50, 1, 500);
    int offset = Http.intQuery(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    List<View> out = new ArrayList<>();
    if (p.scope() == null || clientId == null || clientId.equals(p.scope())) {
      UUID scope = p.scope() != null ? p.scope() : clientId;
      for (Transits.Row t : transits.list(scope, limit, offset)) {
        out.add(view(t, status(t)));
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("transits", out);
    m.put("limit", limit);
    m.put("offset", offset);
    ctx.json(m);
  }

  void get(Context ctx) {
    Http.onlyQuery(ctx);
    Transits.Row t = visible(ctx);
    ctx.json(view(t, status(t)));
  }

  // ---- steps

  void step(Context ctx) {
    Http.onlyQuery(ctx);
    Transits.Row t = visible(ctx);
    String step = ctx.pathParam("step");
    String update = STEPS.get(step);
    if (update == null) {
      throw new NotFoundResponse(
          "no transit step '"
              + step
              + "': the steps are request, rehearse, move-account, move-back, reinstall and"
              + " finalize");
    }
    Principal p = Auth.principal(ctx);
    if (OPERATOR_STEPS.contains(step) && !p.operator()) {
      throw new ForbiddenResponse(
          step
              + " is an operator step: only support (an operator token) may "
              + (step.equals("request")
                  ? "order the transit"
                  : step.equals("reinstall")
                      ? "say the client server is reinstalled"
                      : "rehearse a move")
              + "; a client's token moves its own accounts");
    }
    Input in = Http.optionalBody(ctx);
    String by = who(ctx);
    Object arg;
    switch (step) {
      case "move-account", "move-back" -> {
        String account = in.string("account", true, 100);
        in.check();
        arg = new TransitCutoverWorkflow.AccountRequest(by, account);
      }
      case "finalize" -> {
        String finalizer = in.oneOf("by", true, List.of("support", "user"));
        in.check();
        if ("support".equals(finalizer) && !p.operator()) {
          throw new ForbiddenResponse(
              "finalize by support is an operator step: a client's token finalizes as the user"
                  + " (by: user)");
        }
        arg = new TransitCutoverWorkflow.FinalizeRequest(by, finalizer);
      }
      case "rehearse" -> {
        List<String> accounts = in.strings("accounts", 1000, 100);
        if (accounts == null) {
          in.error("accounts", "is required: the accounts to rehearse");
        }
        in.check();
        arg = new TransitCutoverWorkflow.RehearsalRequest(by, accounts);
      }
      default -> {
        String reason = in.string("reason", false, 2000);
        in.check();
        arg = new TransitCutoverWorkflow.StepRequest(by, reason);
      }
    }
    try {
      client()
          .newUntypedWorkflowStub(TransitCutoverWorkflow.workflowId(t.id().toString()))
          .update(update, TransitStatus.class, arg);
    } catch (WorkflowUpdateException e) {
      throw new ConflictResponse(RunLauncher.message(e));
    } catch (WorkflowNotFoundException e) {
      throw new ConflictResponse("cannot " + step + ": the transit has ended");
    } catch (io.temporal.client.WorkflowServiceException e) {
      throw new ConflictResponse("cannot " + step + ": " + RunLauncher.message(e));
    }
    ctx.json(view(t, status(t)));
  }

  // ---- views

  record View(
      String id,
      String name,
      String clientId,
      String projectId,
      String kind,
      String state,
      @JsonInclude(JsonInclude.Include.NON_NULL) String message,
      String createdBy,
      Instant createdAt,
      Map<String, String> jobs,
      Windows windows,
      List<AccountView> accounts,
      List<String> queued,
      @JsonInclude(JsonInclude.Include.NON_NULL) String moving,
      @JsonInclude(JsonInclude.Include.NON_NULL) CopyView precopy,
      @JsonInclude(JsonInclude.Include.NON_NULL) CopyView precopyBack,
      @JsonInclude(JsonInclude.Include.NON_NULL) Instant reinstalledAt,
      List<MoveView> moves,
      List<CutoverResource.StepView> steps) {}

  record Windows(
      @JsonInclude(JsonInclude.Include.NON_NULL) Instant readyAt,
      @JsonInclude(JsonInclude.Include.NON_NULL) Instant freeUntil,
      @JsonInclude(JsonInclude.Include.NON_NULL) Long freeDaysLeft,
      int freeDays,
      int overageDays,
      @JsonInclude(JsonInclude.Include.NON_NULL) Long overageCents,
      @JsonInclude(JsonInclude.Include.NON_NULL) Long monthlyPriceCents,
      @JsonInclude(JsonInclude.Include.NON_NULL) String finalizer,
      @JsonInclude(JsonInclude.Include.NON_NULL) Instant finalizeBy,
      @JsonInclude(JsonInclude.Include.NON_NULL) Long finalizeDaysLeft,
      int finalizeDays,
      boolean reminded,
      boolean overrun) {}

  record AccountView(
      String name,
      String path,
      List<String> databases,
      String state,
      String location,
      int moves,
      int failedMoves,
      @JsonInclude(JsonInclude.Include.NON_NULL) String lastProblem) {}

  record CopyView(
      long runId,
      Instant startedAt,
      @JsonInclude(JsonInclude.Include.NON_NULL) Instant endedAt,
      @JsonInclude(JsonInclude.Include.NON_NULL) String state,
      long filesTotal,
      long filesCopied,
      long bytesTotal,
      long bytesCopied,
      long filesFailed,
      @JsonInclude(JsonInclude.Include.NON_NULL) String message) {}

  record MoveView(
      String account,
      String to,
      String by,
      boolean ok,
      int attempts,
      Instant startedAt,
      Instant endedAt,
      long databaseBytes,
      long expectedUnavailabilitySeconds,
      long measuredUnavailabilitySeconds,
      long filesCopied,
      long bytesCopied,
      int tablesCompared,
      List<String> problems,
      @JsonInclude(JsonInclude.Include.NON_NULL) String note) {}

  private static Instant at(long millis) {
    return millis == 0 ? null : Instant.ofEpochMilli(millis);
  }

  private static Long daysLeft(long until) {
    if (until == 0) {
      return null;
    }
    long ms = until - System.currentTimeMillis();
    return ms <= 0 ? 0 : (ms + Duration.ofDays(1).toMillis() - 1) / Duration.ofDays(1).toMillis();
  }

  private CopyView copy(Transits.Row t, UUID jobId, TransitStatus.Copy c) {
    if (c == null) {
      return null;
    }
    // live figures from the catalog while it runs (the workflow has them at its end)
    JobRunRow r = c.jobRunId() == 0 ? null : s.jobRuns.find(jobId, c.jobRunId()).orElse(null);
    return new CopyView(
        c.jobRunId(),
        Instant.ofEpochMilli(c.startedAtMillis()),
        at(c.endedAtMillis()),
        c.state() != null
            ? c.state().toLowerCase(java.util.Locale.ROOT)
            : r == null ? null : r.state().toLowerCase(java.util.Locale.ROOT),
        r == null ? 0 : r.filesTotal(),
        r == null ? c.filesCopied() : r.filesDone(),
        r == null ? 0 : r.bytesTotal(),
        r == null ? c.bytesCopied() : r.bytesDone(),
        r == null ? c.filesFailed() : r.filesFailed(),
        c.message());
  }

  View view(Transits.Row t, TransitStatus st) {
    Map<String, String> jobIds = new LinkedHashMap<>();
    jobIds.put("toTransit", t.outJobId().toString());
    jobIds.put("back", t.backJobId().toString());
    Long monthly = t.settings().get("monthlyPriceCents");
    int freeDays = t.settings().getOrDefault("freeDays", 14L).intValue();
    int finalizeDays = t.settings().getOrDefault("finalizeDays", 7L).intValue();
    if (st == null) {
      return new View(
          t.id().toString(),
          t.name(),
          t.clientId().toString(),
          t.projectId().toString(),
          t.kind(),
          "unknown",
          "the transit's workflow is gone from Temporal (its history was removed)",
          t.createdBy(),
          t.createdAt(),
          jobIds,
          new Windows(
              null,
              null,
              null,
              freeDays,
              0,
              null,
              monthly,
              null,
              null,
              null,
              finalizeDays,
              false,
              false),
          t.accounts().stream()
              .map(
                  a ->
                      new AccountView(
                          a.name(), a.path(), a.databases(), "unknown", "unknown", 0, 0, null))
              .toList(),
          List.of(),
          null,
          null,
          null,
          null,
          List.of(),
          List.of());
    }
    Map<String, TransitStatus.AccountStatus> by = new LinkedHashMap<>();
    st.accounts().forEach(a -> by.put(a.name(), a));
    List<AccountView> accounts = new ArrayList<>();
    for (Transits.Account a : t.accounts()) {
      TransitStatus.AccountStatus x = by.get(a.name());
      accounts.add(
          new AccountView(
              a.name(),
              a.path(),
              a.databases(),
              x == null ? "unknown" : x.state(),
              x == null ? "unknown" : x.location(),
              x == null ? 0 : x.moves(),
              x == null ? 0 : x.failedMoves(),
              x == null ? null : x.lastProblem()));
    }
    return new View(
        t.id().toString(),
        t.name(),
        t.clientId().toString(),
        t.projectId().toString(),
        t.kind(),
        st.state().label(),
        st.message(),
        t.createdBy(),
        t.createdAt(),
        jobIds,
        new Windows(
            at(st.readyAtMillis()),
            at(st.freeUntilMillis()),
            st.state().inUse() ? daysLeft(st.freeUntilMillis()) : null,
            freeDays,
            st.overageDays(),
            monthly == null ? null : st.overageCents(),
            monthly,
            st.finalizeBy(),
            at(st.finalizeByMillis()),
            st.state() == TransitState.FINALIZING ? daysLeft(st.finalizeByMillis()) : null,
            finalizeDays,
            st.reminded(),
            st.overrun()),
        accounts,
        st.queued(),
        st.moving(),
        copy(t, t.outJobId(), st.precopy()),
        copy(t, t.backJobId(), st.precopyBack()),
        at(st.reinstalledAtMillis()),
        st.moves().stream().map(TransitsResource::move).toList(),
        st.steps().stream().map(TransitsResource::step).toList());
  }

  private static MoveView move(TransitStatus.Move m) {
    AccountMoveWorkflow.Result r = m.result();
    return new MoveView(
        m.account(),
        m.to(),
        m.by(),
        r.ok(),
        r.attempts(),
        Instant.ofEpochMilli(r.startedAtMillis()),
        Instant.ofEpochMilli(r.endedAtMillis()),
        r.databaseBytes(),
        r.expectedSeconds(),
        r.measuredSeconds(),
        r.filesCopied(),
        r.bytesCopied(),
        r.tablesCompared(),
        r.problems(),
        r.note());
  }

  private static CutoverResource.StepView step(CutoverStatus.Step st) {
    return new CutoverResource.StepView(
        st.name(), st.by(), Instant.ofEpochMilli(st.atMillis()), st.outcome());
  }
}
