package dev.ferry.activities.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An activity that reports no progress stays alive past its heartbeat timeout while its worker
 * lives ({@link KeepAlive}); the same work without it is timed out — which is what makes Temporal
 * retry the work of a dead worker within the heartbeat timeout. Real time, no time skipping.
 */
class KeepAliveTest {
  static final String QUEUE = "keepalive";

  @ActivityInterface
  public interface Slow {
    /** Works {@code millis}, with or without {@link KeepAlive}; returns its attempt number. */
    int work(long millis, boolean keepAlive);
  }

  public static final class SlowImpl implements Slow {
    @Override
    public int work(long millis, boolean keepAlive) {
      int attempt = Activity.getExecutionContext().getInfo().getAttempt();
      Runnable sleep =
          () -> {
            try {
              Thread.sleep(millis);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          };
      if (keepAlive) {
        KeepAlive.run(sleep);
      } else {
        sleep.run();
      }
      return attempt;
    }
  }

  @WorkflowInterface
  public interface Caller {
    @WorkflowMethod
    int call(long millis, boolean keepAlive);
  }

  public static final class CallerImpl implements Caller {
    @Override
    public int call(long millis, boolean keepAlive) {
      return Workflow.newActivityStub(
              Slow.class,
              ActivityOptions.newBuilder()
                  .setStartToCloseTimeout(Duration.ofMinutes(1))
                  .setHeartbeatTimeout(Duration.ofSeconds(1))
                  .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build())
          .work(millis, keepAlive);
    }
  }

  TestWorkflowEnvironment env;
  WorkflowClient client;

  @BeforeEach
  void up() {
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker w = env.newWorker(QUEUE);
    w.registerWorkflowImplementationTypes(CallerImpl.class);
    w.registerActivitiesImplementations(new SlowImpl());
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void down() {
    env.close();
  }

  private Caller caller() {
    return client.newWorkflowStub(
        Caller.class, WorkflowOptions.newBuilder().setTaskQueue(QUEUE).build());
  }

  @Test
  void workLongerThanTheHeartbeatTimeoutEndsOnItsFirstAttemptWhileItsWorkerLives() {
    assertThat(caller().call(3_000, true)).isEqualTo(1);
  }

  @Test
  void withoutKeepAliveTheSameWorkIsTimedOutAsADeadWorkersWouldBe() {
    assertThatThrownBy(() -> caller().call(3_000, false))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOf(ActivityFailure.class)
        .cause()
        .isInstanceOf(TimeoutFailure.class)
        .hasMessageContaining("HEARTBEAT");
  }
}
