package dev.ferry.workflows;

import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A trivially fast owner workflow for the parent's tests: waits {@link #millis} (time skipped in
 * the test environment), records the limits it was given and gets, and reports its end to its
 * parent as {@link MigrationWorkflowImpl} does.
 */
public final class FastOwner implements MigrationWorkflow {
  static volatile long millis = 10;
  static final List<Limits> limitsSeen = new CopyOnWriteArrayList<>();

  private Limits limits;

  @Override
  public Progress run(MigrationInput input) {
    limits = input.limits();
    if (millis > 0) {
      try {
        Workflow.sleep(Duration.ofMillis(millis));
      } catch (io.temporal.failure.CanceledFailure e) {
        // as MigrationWorkflowImpl: a cancelled owner reports its end, then ends cancelled
        Workflow.newDetachedCancellationScope(() -> report(input, JobState.CANCELLED)).run();
        throw e;
      }
    }
    Progress end = Progress.created().withState(JobState.COMPLETED);
    report(input, end.state());
    return end;
  }

  private static void report(MigrationInput input, JobState state) {
    try {
      Workflow.newExternalWorkflowStub(
              JobRunWorkflow.class, Workflow.getInfo().getParentWorkflowId().orElseThrow())
          .ownerDone(new OwnerDone(input.runId(), state));
    } catch (RuntimeException e) {
      // as MigrationWorkflowImpl: a report that cannot be delivered (the parent was between two
      // executions) is found by the parent's check of the owners that closed
    }
  }

  @Override
  public Progress progress() {
    return Progress.created();
  }

  @Override
  public Limits limits() {
    return limits;
  }

  @Override
  public Progress pause() {
    return Progress.created();
  }

  @Override
  public void validatePause() {}

  @Override
  public Progress resume() {
    return Progress.created();
  }

  @Override
  public void validateResume() {}

  @Override
  public Limits setLimits(Limits l) {
    return l;
  }

  @Override
  public void validateSetLimits(Limits l) {}

  @Override
  public void pauseFromJob() {}

  @Override
  public void resumeFromJob() {}

  @Override
  public void batchProgress(BatchProgress p) {
    // a fast owner has no batches in flight
  }

  @Override
  public void shardProgress(ShardProgress p) {
    // nor shards
  }

  @Override
  public void limitsFromJob(Limits l) {
    limits = l;
    if (!Workflow.isReplaying()) {
      limitsSeen.add(l);
    }
  }
}
