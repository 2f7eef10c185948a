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

  static RunResources of(long runId, int concurrency, double mbps) {
    RunResources r = RUNS.computeIfAbsent(runId, id -> new RunResources(concurrency, mbps));
    if (r.gate.width() != concurrency) {
      r.gate.setWidth(concurrency);
    }
    r.throttle.setMbps(mbps);
    return r;
  }
}
