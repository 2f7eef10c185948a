package dev.ferry.workflows;

import io.temporal.worker.WorkerOptions;
import java.time.Duration;

/** Settings of every worker that runs Ferry's workflows (and of the tests' workers). */
public final class WorkerSettings {
  /**
   * How long a workflow task may hold its thread before the SDK calls it a deadlock and fails the
   * task. The SDK's default, one second, is shorter than the CPU starvation of a loaded two-core
   * machine (the CI's): a job run's first workflow task failed with PotentialDeadlockException, and
   * the run waited for the task's retry. Workflow code never blocks, so a longer limit hides
   * nothing but the machine's load.
   */
  public static final Duration DEADLOCK_DETECTION = Duration.ofSeconds(5);

  private WorkerSettings() {}

  /** Worker options with Ferry's settings, to add to. */
  public static WorkerOptions.Builder options() {
    return WorkerOptions.newBuilder()
        .setDefaultDeadlockDetectionTimeout(DEADLOCK_DETECTION.toMillis());
  }
}
