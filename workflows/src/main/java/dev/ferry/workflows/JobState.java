package dev.ferry.workflows;

/**
 * Where a job's run stands: {@code CREATED → SCANNING → READY → RUNNING → COMPLETED}, with {@code
 * PAUSED}, {@code FAILED} and {@code CANCELLED} reachable from scanning and running. A run that
 * went through to its end but left some files failed ends {@code COMPLETED_WITH_ERRORS}. A dry run
 * ends in {@code READY}: scanned, nothing moved.
 */
public enum JobState {
  CREATED,
  SCANNING,
  READY,
  RUNNING,
  PAUSED,
  COMPLETED,
  COMPLETED_WITH_ERRORS,
  FAILED,
  CANCELLED;

  public boolean terminal() {
    return this == COMPLETED
        || this == COMPLETED_WITH_ERRORS
        || this == FAILED
        || this == CANCELLED;
  }
}
