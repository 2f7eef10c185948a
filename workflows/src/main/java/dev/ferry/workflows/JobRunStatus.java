package dev.ferry.workflows;

/**
 * What a job run's parent workflow knows of its owners (the catalog has the figures).
 *
 * @param running owners whose workflows run now
 * @param started owners started so far (a rerun is not a new owner)
 * @param completed owners that completed (with or without failed files, or a dry run ready)
 * @param failed owners that failed as a whole (after their reruns, or at once when a rerun cannot
 *     help)
 * @param cancelled owners cancelled
 * @param paused whether the run is paused
 * @param reruns automatic reruns of owners that failed as a whole, decided so far
 */
public record JobRunStatus(
    int running,
    int started,
    int completed,
    int failed,
    int cancelled,
    boolean paused,
    int reruns) {
  public JobRunStatus(
      int running, int started, int completed, int failed, int cancelled, boolean paused) {
    this(running, started, completed, failed, cancelled, paused, 0);
  }

  public static JobRunStatus empty() {
    return new JobRunStatus(0, 0, 0, 0, 0, false, 0);
  }

  JobRunStatus ended(JobState s) {
    return switch (s) {
      case FAILED ->
          new JobRunStatus(running, started, completed, failed + 1, cancelled, paused, reruns);
      case CANCELLED ->
          new JobRunStatus(running, started, completed, failed, cancelled + 1, paused, reruns);
      default ->
          new JobRunStatus(running, started, completed + 1, failed, cancelled, paused, reruns);
    };
  }

  JobRunStatus rerun() {
    return new JobRunStatus(running, started, completed, failed, cancelled, paused, reruns + 1);
  }

  JobRunStatus with(int running, int started, boolean paused) {
    return new JobRunStatus(running, started, completed, failed, cancelled, paused, reruns);
  }
}
