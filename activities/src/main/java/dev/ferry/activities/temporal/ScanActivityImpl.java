package dev.ferry.activities.temporal;

import dev.ferry.activities.engine.ScanService;
import dev.ferry.workflows.MigrationActivities;
import dev.ferry.workflows.ScanResult;
import io.temporal.activity.Activity;

/** Temporal adapter over {@link ScanService}: heartbeats the number of paths listed. */
public final class ScanActivityImpl implements MigrationActivities.Scan {
  private final ScanService scans;

  public ScanActivityImpl(ScanService scans) {
    this.scans = scans;
  }

  @Override
  public ScanResult scan(long runId) {
    var ctx = Activity.getExecutionContext();
    try {
      return scans.scan(runId, listed -> ctx.heartbeat(listed));
    } catch (RuntimeException e) {
      throw Failures.toFailure(e);
    }
  }
}
