package dev.ferry.activities.temporal;

import dev.ferry.activities.catalog.RunCatalog;
import dev.ferry.activities.engine.FinishService;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.MigrationActivities;
import dev.ferry.workflows.Progress;
import io.temporal.activity.Activity;

/** Records run states and ends runs in the catalog, heartbeating meanwhile ({@link KeepAlive}). */
public final class CatalogActivityImpl implements MigrationActivities.Catalog {
  private final RunCatalog catalog;
  private final FinishService finisher;

  public CatalogActivityImpl(RunCatalog catalog, FinishService finisher) {
    this.catalog = catalog;
    this.finisher = finisher;
  }

  @Override
  public void setState(long runId, JobState state, String message) {
    String workflowId = Activity.getExecutionContext().getInfo().getWorkflowId();
    KeepAlive.run(
        () -> {
          catalog.setState(runId, state, message);
          // the first state a run's workflow records tells the catalog which workflow runs it (an
          // owner's child workflow, started by its job run's parent)
          if (state == JobState.SCANNING) {
            catalog.recordWorkflowId(runId, workflowId);
          }
        });
  }

  @Override
  public Progress finish(long runId, Progress progress) {
    return KeepAlive.call(() -> finisher.finish(runId, progress.state(), progress.message()));
  }

  @Override
  public Progress recordEnd(MigrationActivities.RecordEnd end) {
    return KeepAlive.call(
        () ->
            catalog.finish(
                end.runId(),
                end.progress().state(),
                end.note() != null ? end.note() : end.progress().message()));
  }
}
