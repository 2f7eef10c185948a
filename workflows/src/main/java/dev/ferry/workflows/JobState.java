package dev.ferry.workflows;

/**
 * Where a job's run stands: {@code CREATED → SCANNING → READY → RUNNING → COMPLETED}, with {@code
 * PAUSED}, {@code FAILED} and {@code CANCELLED} reachable from scanning and running. A dry run ends
 * in {@code READY}: scanned, nothing moved.
 */
public enum JobState {
  CREATED,
  SCANNING,
  READY,
  RUNNING,
  PAUSED,
  COMPLETED,
  FAILED,
  CANCELLED;

  public boolean terminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
