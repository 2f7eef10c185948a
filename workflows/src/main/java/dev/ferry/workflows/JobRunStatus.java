package dev.ferry.workflows;

/**
 * What a job run's parent workflow knows of its owners (the catalog has the figures).
 *
 * @param running owners whose workflows run now
 * @param started owners started so far
 * @param completed owners that completed (with or without failed files, or a dry run ready)
 * @param failed owners that failed as a whole
 * @param cancelled owners cancelled
 * @param paused whether the run is paused
 */
public record JobRunStatus(
    int running, int started, int completed, int failed, int cancelled, boolean paused) {
  public static JobRunStatus empty() {
    return new JobRunStatus(0, 0, 0, 0, 0, false);
  }

  JobRunStatus ended(JobState s) {
    return switch (s) {
      case FAILED -> new JobRunStatus(running, started, completed, failed + 1, cancelled, paused);
      case CANCELLED ->
          new JobRunStatus(running, started, completed, failed, cancelled + 1, paused);
      default -> new JobRunStatus(running, started, completed + 1, failed, cancelled, paused);
    };
  }

  JobRunStatus with(int running, int started, boolean paused) {
    return new JobRunStatus(running, started, completed, failed, cancelled, paused);
  }
}
