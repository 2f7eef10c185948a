package dev.ferry.api.server;

import dev.ferry.activities.catalog.Cutovers;
import dev.ferry.activities.catalog.JobSpecRow;
import dev.ferry.activities.catalog.OwnerRow;
import dev.ferry.activities.catalog.Transits;
import dev.ferry.activities.engine.HookRunner;
import dev.ferry.activities.temporal.KeepAlive;
import dev.ferry.workflows.CutoverActivities;
import dev.ferry.workflows.CutoverWorkflowImpl;
import dev.ferry.workflows.JobRunInput;
import dev.ferry.workflows.RunMode;
import dev.ferry.workflows.TransitActivities;
import io.javalin.http.HttpResponseException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The server's side of a transit cutover (task queue {@code ferry-server}): a copy's catalog rows
 * prepared exactly as {@code POST /jobs/{id}/runs} prepares a run ({@link RunLauncher#prepare}) on
 * the transit's job of that direction, of one account's owner or all; the hooks read from the
 * catalog and run here.
 */
final class TransitActivitiesImpl implements TransitActivities {
  private final Services s;
  private final Transits transits;
  private final CutoverActivitiesImpl cutover;

  TransitActivitiesImpl(Services s) {
    this.s = s;
    this.transits = new Transits(s.jdbi);
    this.cutover = new CutoverActivitiesImpl(s);
  }

  private Transits.Row transit(String id) {
    return transits
        .find(UUID.fromString(id))
        .orElseThrow(
            () ->
                ApplicationFailure.newNonRetryableFailure(
                    "the transit was deleted", CutoverWorkflowImpl.CUTOVER_REFUSED));
  }

  @Override
  public JobRunInput prepareCopy(CopyRequest request) {
    return KeepAlive.call(
        () -> {
          Transits.Row t = transit(request.transitId());
          UUID jobId = OUT.equals(request.direction()) ? t.outJobId() : t.backJobId();
          JobSpecRow job =
              s.jobs
                  .find(jobId)
                  .orElseThrow(
                      () ->
                          ApplicationFailure.newNonRetryableFailure(
                              "the transit's job " + jobId + " was deleted",
                              CutoverWorkflowImpl.CUTOVER_REFUSED));
          List<OwnerRow> owners = s.jobs.owners(job.id());
          if (request.account() != null) {
            owners = owners.stream().filter(o -> request.account().equals(o.name())).toList();
            if (owners.isEmpty()) {
              throw ApplicationFailure.newNonRetryableFailure(
                  "the transit's job has no owner for account " + request.account(),
                  CutoverWorkflowImpl.CUTOVER_REFUSED);
            }
          }
          boolean copiedBefore =
              s.jobRuns.list(job.id(), 500).stream()
                  .anyMatch(
                      r ->
                          r.mode() != RunMode.DRY_RUN
                              && (r.state().equals("COMPLETED")
                                  || r.state().equals("COMPLETED_WITH_ERRORS")));
          try {
            return s.launcher.prepare(
                job, copiedBefore ? RunMode.INCREMENTAL : RunMode.FULL, owners);
          } catch (HttpResponseException e) {
            throw ApplicationFailure.newNonRetryableFailure(
                e.getMessage(), CutoverWorkflowImpl.CUTOVER_REFUSED);
          }
        });
  }

  @Override
  public CutoverActivities.RoundFigures copyFigures(CutoverActivities.RoundRef run) {
    return cutover.roundFigures(run);
  }

  @Override
  public CutoverActivities.HookResult runHook(HookCall call) {
    Transits.Row t = transit(call.transitId());
    var hook = transits.hook(t.id(), call.hook());
    if (hook.isEmpty()) {
      return new CutoverActivities.HookResult(false, true, null);
    }
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    Map<String, String> env = new HashMap<>();
    env.put("FERRY_TRANSIT_ID", t.id().toString());
    env.put("FERRY_ACCOUNT", call.account());
    if (call.to() != null) {
      env.put("FERRY_ROUTE_TO", call.to());
    }
    // the receiver can tell a repeated call from a new one: one key per attempt of the activity
    env.put(
        "FERRY_HOOK_KEY",
        ctx.getInfo().getWorkflowId() + "-" + ctx.getInfo().getActivityId() + "-" + call.hook());
    HookRunner.Outcome o =
        new HookRunner()
            .run(
                new Cutovers.Hook(hook.get().command(), hook.get().url()),
                call.hook(),
                env,
                () -> {
                  try {
                    ctx.heartbeat(null);
                  } catch (RuntimeException e) {
                    // the hook's outcome is what matters; it is not stopped halfway
                  }
                });
    return new CutoverActivities.HookResult(true, o.ok(), o.outcome());
  }
}
