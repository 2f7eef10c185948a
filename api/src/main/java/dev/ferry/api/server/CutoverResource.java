package dev.ferry.api.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ferry.activities.catalog.ClientRow;
import dev.ferry.activities.catalog.Cutovers;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.workflows.CutoverInput;
import dev.ferry.workflows.CutoverStatus;
import dev.ferry.workflows.CutoverWorkflow;
import dev.ferry.workflows.FerryAttributes;
import dev.ferry.workflows.Labels;
import dev.ferry.workflows.MigrationWorkflow;
import io.javalin.http.ConflictResponse;
import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.HttpStatus;
import io.javalin.http.NotFoundResponse;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code /jobs/{jobId}/cutover}: start a job's {@link CutoverWorkflow}, read it, drive it step by
 * step (each step a validated workflow Update: a step out of order is a 409 with the workflow's
 * reason), and read the differences the verification found.
 */
final class CutoverResource {
  /** The steps of {@code POST /jobs/{jobId}/cutover/{step}}, with their Updates. */
  static final Map<String, String> STEPS =
      Map.of(
          "round", "round",
          "freeze", "freeze",
          "verify", "verify",
          "switch", "switchOver",
          "abort", "abort",
          "decommission", "decommission");

  private final Services s;
  private final Cutovers cutovers;

  CutoverResource(Services s) {
    this.s = s;
    this.cutovers = new Cutovers(s.jdbi);
  }

  private WorkflowClient client() {
    return s.launcher.client();
  }

  void start(Context ctx) {
    Http.onlyQuery(ctx);
    JobSpecRow j = JobsResource.visible(s, ctx, Http.id(ctx, "jobId"));
    Input in = Http.optionalBody(ctx);
    Integer interval = in.integer("roundIntervalMinutes", 1, 10_080);
    Long readyFiles = null;
    Long readyBytes = null;
    Input ready = in.object("readyWhenDeltaBelow");
    if (ready != null) {
      Integer f = ready.integer("files", 1, Integer.MAX_VALUE);
      Double b = ready.number("bytes", 1, 1e18);
      readyFiles = f == null ? null : f.longValue();
      readyBytes = b == null ? null : b.longValue();
    }
    Cutovers.Hook freeze = hook(ctx, in, "freezeHook");
    Cutovers.Hook switchHook = hook(ctx, in, "switchHook");
    Integer fallback = in.integer("fallbackDays", 1, 365);
    in.check();
    ClientRow client = s.clients.find(j.clientId()).orElseThrow();
    if (!"ACTIVE".equals(client.status())) {
      throw new ConflictResponse(
          "client '" + client.name() + "' is " + client.status() + ": no cutover");
    }
    s.jobRuns
        .latest(j.id())
        .filter(r -> r.finishedAt() == null)
        .ifPresent(
            r -> {
              throw new ConflictResponse(
                  "the job has a run that has not ended (run "
                      + r.id()
                      + "); let it end or cancel it, then start the cutover");
            });
    String id = CutoverWorkflow.workflowId(j.id().toString());
    try {
      CutoverStatus now = client().newWorkflowStub(CutoverWorkflow.class, id).status();
      if (now.state() != dev.ferry.workflows.CutoverState.ABORTED
          && now.state() != dev.ferry.workflows.CutoverState.DECOMMISSIONED) {
        throw new ConflictResponse(
            "the job has a cutover in progress (" + now.state().label() + ")");
      }
    } catch (WorkflowNotFoundException e) {
      // none yet
    } catch (io.temporal.client.WorkflowQueryException e) {
      // closed and gone: a new one may start
    }
    cutovers.saveHooks(j.id(), freeze, switchHook);
    Labels labels =
        dev.ferry.api.runtime.SearchAttributeSetup.ready(client())
            ? new Labels(
                j.id().toString(),
                null,
                j.clientId() == null ? null : j.clientId().toString(),
                j.projectId() == null ? null : j.projectId().toString(),
                null,
                j.agentId() == null ? null : j.agentId().toString(),
                FerryAttributes.KIND_CUTOVER)
            : null;
    WorkflowOptions.Builder o =
        WorkflowOptions.newBuilder()
            .setWorkflowId(id)
            .setTaskQueue(MigrationWorkflow.TASK_QUEUE)
            .setWorkflowIdReusePolicy(
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
            .setStaticSummary("Cutover of " + s.launcher.summary(j));
    if (labels != null) {
      o.setTypedSearchAttributes(FerryAttributes.atStart(labels, "syncing"));
    }
    CutoverWorkflow wf = client().newWorkflowStub(CutoverWorkflow.class, o.build());
    try {
      WorkflowClient.start(
          wf::run,
          new CutoverInput(
              j.id().toString(),
              interval,
              readyFiles,
              readyBytes,
              fallback == null ? CutoverInput.DEFAULT_FALLBACK_DAYS : fallback,
              who(ctx),
              labels,
              null));
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new ConflictResponse("the job has a cutover in progress");
    }
    ctx.status(HttpStatus.CREATED).json(view(j, wf.status()));
  }

  /** A hook: {"command": "..."} (operators only: it runs on the server) or {"url": "http..."}. */
  static Cutovers.Hook hook(Context ctx, Input in, String field) {
    Input h = in.object(field);
    if (h == null) {
      return null;
    }
    String command = h.string("command", false, 4000);
    String url = h.string("url", false, 2000);
    if ((command == null) == (url == null)) {
      in.error(field, "give exactly one of command and url");
      return null;
    }
    if (command != null && !Auth.principal(ctx).operator()) {
      throw new ForbiddenResponse(
          field + ": only an operator token may give a command hook (it runs on the server)");
    }
    if (url != null && !url.matches("https?://\\S+")) {
      h.error("url", "must be an http or https URL (got '" + url + "')");
      return null;
    }
    return new Cutovers.Hook(command, url);
  }

  /** The token's name, for the record of who took a step. */
  private String who(Context ctx) {
    Principal p = Auth.principal(ctx);
    if (p.tokenId() == null) {
      return "admin (FERRY_ADMIN_TOKEN)";
    }
    return s.tokens.find(p.tokenId()).map(t -> t.name()).orElse("token " + p.tokenId());
  }

  void get(Context ctx) {
    Http.onlyQuery(ctx);
    JobSpecRow j = JobsResource.visible(s, ctx, Http.id(ctx, "jobId"));
    ctx.json(view(j, status(j)));
  }

  private CutoverStatus status(JobSpecRow j) {
    try {
      return client()
          .newWorkflowStub(CutoverWorkflow.class, CutoverWorkflow.workflowId(j.id().toString()))
          .status();
    } catch (WorkflowNotFoundException | io.temporal.client.WorkflowQueryException e) {
      throw new NotFoundResponse("the job has no cutover; POST /jobs/" + j.id() + "/cutover");
    }
  }

  void step(Context ctx) {
    Http.onlyQuery(ctx);
    JobSpecRow j = JobsResource.visible(s, ctx, Http.id(ctx, "jobId"));
    String step = ctx.pathParam("step");
    String update = STEPS.get(step);
    if (update == null) {
      throw new NotFoundResponse(
          "no cutover step '"
              + step
              + "': the steps are round, freeze, verify, switch, abort and"
              + " decommission");
    }
    Input in = Http.optionalBody(ctx);
    String reason = in.string("reason", false, 2000);
    Boolean deleteSource = in.bool("deleteSource");
    // false asks for nothing: harmless with any step; true only means something to decommission
    if (Boolean.TRUE.equals(deleteSource) && !step.equals("decommission")) {
      in.error("deleteSource", "applies to decommission only");
    }
    in.check();
    status(j); // 404 when there is none
    CutoverWorkflow.StepRequest req =
        new CutoverWorkflow.StepRequest(who(ctx), reason, Boolean.TRUE.equals(deleteSource));
    try {
      client()
          .newUntypedWorkflowStub(CutoverWorkflow.workflowId(j.id().toString()))
          .update(update, CutoverStatus.class, req);
    } catch (WorkflowUpdateException e) {
      throw new ConflictResponse(RunLauncher.message(e));
    } catch (WorkflowNotFoundException e) {
      throw new ConflictResponse("cannot " + step + ": the cutover has ended");
    } catch (io.temporal.client.WorkflowServiceException e) {
      throw new ConflictResponse("cannot " + step + ": " + RunLauncher.message(e));
    }
    ctx.json(view(j, status(j)));
  }

  void differences(Context ctx) {
    Http.onlyQuery(ctx, "check", "limit", "offset");
    JobSpecRow j = JobsResource.visible(s, ctx, Http.id(ctx, "jobId"));
    int check = checkNumber(ctx, j);
    int limit = Http.intQuery(ctx, "limit", 100, 1, 1000);
    int offset = Http.intQuery(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    ctx.json(
        Map.of("check", check, "differences", cutovers.differences(j.id(), check, limit, offset)));
  }

  void differencesCsv(Context ctx) throws Exception {
    Http.onlyQuery(ctx, "check");
    JobSpecRow j = JobsResource.visible(s, ctx, Http.id(ctx, "jobId"));
    int check = checkNumber(ctx, j);
    ctx.contentType("text/csv; charset=utf-8");
    ctx.header(
        "Content-Disposition",
        "attachment; filename=\"cutover-" + j.id() + "-check-" + check + ".csv\"");
    Writer w = new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8);
    try (Csv csv = Csv.of(w)) {
      csv.row("path", "kind", "detail", "checked_by");
      for (int offset = 0; ; offset += 1000) {
        List<Cutovers.Difference> page = cutovers.differences(j.id(), check, 1000, offset);
        for (Cutovers.Difference d : page) {
          csv.row(d.path(), d.kind(), d.detail(), d.checkedBy() == null ? "" : d.checkedBy());
        }
        if (page.size() < 1000) {
          break;
        }
      }
    }
  }

  /**
   * The files a verification found identical, with the hash of their source bytes and what a
   * decommission that deletes the source did with each (deleted, kept and why), as CSV.
   */
  void verifiedCsv(Context ctx) throws Exception {
    Http.onlyQuery(ctx, "check");
    JobSpecRow j = JobsResource.visible(s, ctx, Http.id(ctx, "jobId"));
    int check = checkNumber(ctx, j);
    ctx.contentType("text/csv; charset=utf-8");
    ctx.header(
        "Content-Disposition",
        "attachment; filename=\"cutover-" + j.id() + "-verified-" + check + ".csv\"");
    Writer w = new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8);
    try (Csv csv = Csv.of(w)) {
      csv.row(
          "path", "size", "algorithm", "hash", "checked_by", "decommission", "decommissioned_at");
      for (Cutovers.VerifiedRow f : cutovers.verifiedRows(j.id(), check)) {
        csv.row(
            f.path(),
            Long.toString(f.size()),
            f.algorithm(),
            f.hash(),
            f.checkedBy(),
            f.decommission() == null ? "" : f.decommission(),
            f.decommissionedAt() == null ? "" : f.decommissionedAt().toString());
      }
    }
  }

  private int checkNumber(Context ctx, JobSpecRow j) {
    CutoverStatus st = status(j);
    int last = st.lastCheck() == null ? 0 : st.lastCheck().number();
    int n = Http.intQuery(ctx, "check", last, 0, Integer.MAX_VALUE);
    if (n == 0) {
      throw new NotFoundResponse("the cutover has not verified yet");
    }
    return n;
  }

  /** The cutover as the API shows it: states in lower case, times as instants. */
  record View(
      String jobId,
      String state,
      boolean ready,
      boolean roundRunning,
      boolean freezeRequested,
      @JsonInclude(JsonInclude.Include.NON_NULL) Instant frozenAt,
      @JsonInclude(JsonInclude.Include.NON_NULL) Long estimatedFinalSyncSeconds,
      @JsonInclude(JsonInclude.Include.NON_NULL) Instant fallbackEndsAt,
      @JsonInclude(JsonInclude.Include.NON_NULL) String message,
      List<RoundView> rounds,
      @JsonInclude(JsonInclude.Include.NON_NULL) CheckView lastCheck,
      List<StepView> steps) {}

  record RoundView(
      int number,
      long runId,
      @JsonInclude(JsonInclude.Include.NON_NULL) String mode,
      boolean finalRound,
      Instant startedAt,
      @JsonInclude(JsonInclude.Include.NON_NULL) Instant endedAt,
      @JsonInclude(JsonInclude.Include.NON_NULL) String state,
      long filesCopied,
      long bytesCopied,
      long filesFailed,
      long filesDeleted,
      @JsonInclude(JsonInclude.Include.NON_NULL) String message) {}

  record CheckView(
      int number,
      Instant at,
      boolean passed,
      long filesCompared,
      long bytesCompared,
      long differences,
      Map<String, Long> byKind,
      @JsonInclude(JsonInclude.Include.NON_NULL) String message,
      @JsonInclude(JsonInclude.Include.NON_NULL) String checkedBy) {}

  record StepView(
      String name,
      String by,
      Instant at,
      @JsonInclude(JsonInclude.Include.NON_NULL) String outcome) {}

  static View view(JobSpecRow j, CutoverStatus c) {
    CutoverStatus.Check k = c.lastCheck();
    return new View(
        j.id().toString(),
        c.state().label(),
        c.ready(),
        c.roundRunning(),
        c.freezeRequested(),
        c.frozenAtMillis() == 0 ? null : Instant.ofEpochMilli(c.frozenAtMillis()),
        c.estimatedFinalSyncSeconds(),
        c.fallbackEndsAtMillis() == 0 ? null : Instant.ofEpochMilli(c.fallbackEndsAtMillis()),
        c.message(),
        c.rounds().stream()
            .map(
                r ->
                    new RoundView(
                        r.number(),
                        r.jobRunId(),
                        r.mode() == null ? null : r.mode().name(),
                        r.finalRound(),
                        Instant.ofEpochMilli(r.startedAtMillis()),
                        r.endedAtMillis() == 0 ? null : Instant.ofEpochMilli(r.endedAtMillis()),
                        r.state() == null ? null : r.state().toLowerCase(Locale.ROOT),
                        r.filesCopied(),
                        r.bytesCopied(),
                        r.filesFailed(),
                        r.filesDeleted(),
                        r.message()))
            .toList(),
        k == null
            ? null
            : new CheckView(
                k.number(),
                Instant.ofEpochMilli(k.atMillis()),
                k.passed(),
                k.filesCompared(),
                k.bytesCompared(),
                k.differences(),
                Map.of(
                    "missing", k.missing(),
                    "extra", k.extra(),
                    "size", k.size(),
                    "content", k.content(),
                    "changedSinceFreeze", k.changedSinceFreeze()),
                k.message(),
                k.checkedBy()),
        c.steps().stream()
            .map(
                st ->
                    new StepView(
                        st.name(), st.by(), Instant.ofEpochMilli(st.atMillis()), st.outcome()))
            .toList());
  }
}
