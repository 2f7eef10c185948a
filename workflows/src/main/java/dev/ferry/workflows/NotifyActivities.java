package dev.ferry.workflows;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * What workflows tell the clients' webhooks, served by {@code ferry server} on {@link
 * CutoverWorkflow#SERVER_QUEUE}: {@link #tell} records a notice for every webhook that asked for
 * its event and starts a {@link WebhookDeliveryWorkflow} for each; {@link #deliver} makes one
 * attempt of a delivery (an HTTP POST signed with the webhook's secret); {@link #gaveUp} records
 * that a delivery's attempts are spent. Notices carry ids and figures only, never a secret or a
 * file name.
 */
@ActivityInterface
public interface NotifyActivities {
  /** The webhook events there are. */
  String RUN_ENDED = "run.ended";

  String OWNER_FAILED = "owner.failed";
  String CUTOVER_STEP = "cutover.step";
  String AGENT_OFFLINE = "agent.offline";
  String TRANSIT_STEP = "transit.step";
  String TRANSIT_OVERAGE = "transit.overage";

  /** Failure type of an attempt the receiver refused for good (a 4xx other than 408 and 429). */
  String REFUSED = "WebhookRefused";

  /**
   * One event of a job.
   *
   * @param event one of the event names above
   * @param jobId the job
   * @param jobRunId the job run, or null (a cutover step)
   * @param ownerId the owner, or null
   * @param state the run's or owner's end state, or the cutover's step
   * @param detail a reason or the step's outcome, or null
   */
  record Notice(
      String event, String jobId, Long jobRunId, String ownerId, String state, String detail) {}

  /** A delivery whose attempts are spent, with the last attempt's failure. */
  record GiveUp(long deliveryId, String reason) {}

  @ActivityMethod(name = "Notify")
  void tell(Notice notice);

  @ActivityMethod(name = "DeliverWebhook")
  void deliver(long deliveryId);

  @ActivityMethod(name = "WebhookGaveUp")
  void gaveUp(GiveUp giveUp);
}
