package dev.ferry.workflows;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/** See {@link WebhookDeliveryWorkflow}. */
public final class WebhookDeliveryWorkflowImpl implements WebhookDeliveryWorkflow {
  @Override
  public void run(Input input) {
    NotifyActivities a =
        Workflow.newActivityStub(
            NotifyActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(CutoverWorkflow.SERVER_QUEUE)
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(Math.max(1, input.backoffSeconds())))
                        .setBackoffCoefficient(2)
                        .setMaximumInterval(Duration.ofHours(1))
                        .setMaximumAttempts(ATTEMPTS)
                        .setDoNotRetry(NotifyActivities.REFUSED)
                        .build())
                .build());
    try {
      a.deliver(input.deliveryId());
    } catch (ActivityFailure f) {
      Throwable c = f.getCause();
      String why = c instanceof ApplicationFailure af ? af.getOriginalMessage() : String.valueOf(c);
      Workflow.newActivityStub(
              NotifyActivities.class,
              ActivityOptions.newBuilder()
                  .setTaskQueue(CutoverWorkflow.SERVER_QUEUE)
                  .setStartToCloseTimeout(Duration.ofSeconds(30))
                  .build())
          .gaveUp(new NotifyActivities.GiveUp(input.deliveryId(), why));
    }
  }
}
