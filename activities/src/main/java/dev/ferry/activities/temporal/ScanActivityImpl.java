package dev.ferry.activities.temporal;

import dev.ferry.activities.catalog.RunCatalog;
import dev.ferry.activities.engine.ScanService;
import dev.ferry.workflows.Heartbeats;
import dev.ferry.workflows.MigrationActivities;
import dev.ferry.workflows.ScanResult;
import io.temporal.activity.Activity;

/**
 * Temporal adapter over {@link ScanService}: heartbeats the number of paths listed ({@link
 * dev.ferry.workflows.Heartbeats.Scan}).
 */
public final class ScanActivityImpl implements MigrationActivities.Scan {
  private final ScanService scans;
  private final RunCatalog catalog;

  public ScanActivityImpl(ScanService scans, RunCatalog catalog) {
    this.scans = scans;
    this.catalog = catalog;
  }

  @Override
  public ScanResult scan(long runId) {
    var ctx = Activity.getExecutionContext();
    try {
      ScanResult r = scans.scan(runId, listed -> ctx.heartbeat(new Heartbeats.Scan(listed)));
      if (ctx.getInfo().getAttempt() > 1) {
        catalog.clearRetryNote(runId);
      }
      return r;
    } catch (RuntimeException e) {
      throw Failures.toFailure(e, catalog, runId, "the scan");
    }
  }
}
