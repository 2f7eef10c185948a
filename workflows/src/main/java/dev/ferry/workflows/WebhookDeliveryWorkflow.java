package dev.ferry.workflows;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One webhook delivery ({@code ferry-webhook-<delivery>}, on {@link CutoverWorkflow#SERVER_QUEUE}):
 * attempts it until the receiver answers 2xx, with a doubling backoff, at most {@link #ATTEMPTS}
 * times; a receiver that refuses it for good (4xx) is not asked again. Every attempt is recorded by
 * the activity.
 */
@WorkflowInterface
public interface WebhookDeliveryWorkflow {
  int ATTEMPTS = 8;

  static String workflowId(long deliveryId) {
    return "ferry-webhook-" + deliveryId;
  }

  /**
   * @param deliveryId the delivery's row
   * @param backoffSeconds the wait before the second attempt (then doubled each time)
   */
  record Input(long deliveryId, int backoffSeconds) {}

  @WorkflowMethod
  void run(Input input);
}
