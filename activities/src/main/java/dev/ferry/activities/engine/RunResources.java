package dev.ferry.activities.engine;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The stream gate and bandwidth throttle of each run, shared by every batch of the run that this
 * process executes, so limits hold for the whole job and not per batch.
 */
final class RunResources {
  private static final ConcurrentHashMap<Long, RunResources> RUNS = new ConcurrentHashMap<>();

  final Gate gate;
  final Throttle throttle;

  private RunResources(int concurrency, double mbps) {
    gate = new Gate(concurrency);
    throttle = new Throttle(mbps);
  }

  static RunResources of(long runId, dev.ferry.workflows.Limits limits) {
    RunResources r =
        RUNS.computeIfAbsent(
            runId, id -> new RunResources(limits.concurrency(), limits.bwlimitMbps()));
    if (r.gate.width() != limits.concurrency()) {
      r.gate.setWidth(limits.concurrency());
    }
    r.throttle.set(
        limits.bwlimitMbps(),
        limits.fullSpeedWindow() == null
            ? null
            : dev.ferry.workflows.FullSpeedWindow.parse(limits.fullSpeedWindow()));
    return r;
  }
}
