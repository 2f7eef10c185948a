package dev.ferry.activities.temporal;

import dev.ferry.activities.catalog.JobRuns;
import dev.ferry.workflows.JobRunActivities;
import dev.ferry.workflows.JobRunWorkflow;
import dev.ferry.workflows.JobRunWorkflowImpl;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.OwnerDone;
import dev.ferry.workflows.OwnerRef;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import java.util.ArrayList;
import java.util.List;

/** The catalog work of a job run's parent workflow, heartbeating meanwhile ({@link KeepAlive}). */
public final class JobRunActivityImpl implements JobRunActivities {
  private final JobRuns jobRuns;

  public JobRunActivityImpl(JobRuns jobRuns) {
    this.jobRuns = jobRuns;
  }

  @Override
  public List<OwnerRef> nextOwners(OwnerPage page) {
    return KeepAlive.call(
        () -> jobRuns.unfinishedOwners(page.jobRunId(), page.afterRunId(), page.max()));
  }

  @Override
  public List<OwnerDone> endedOwners(Owners owners) {
    WorkflowClient client = Activity.getExecutionContext().getWorkflowClient();
    return KeepAlive.call(() -> ended(client, owners));
  }

  /** The owners whose workflows have closed, by their Temporal status. */
  public static List<OwnerDone> ended(WorkflowClient client, Owners owners) {
    List<OwnerDone> out = new ArrayList<>();
    for (OwnerRef o : owners.owners()) {
      String id = JobRunWorkflow.ownerWorkflowId(owners.jobId(), owners.jobRunId(), o);
      WorkflowExecutionStatus status;
      try {
        status =
            client
                .getWorkflowServiceStubs()
                .blockingStub()
                .describeWorkflowExecution(
                    DescribeWorkflowExecutionRequest.newBuilder()
                        .setNamespace(client.getOptions().getNamespace())
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
                        .build())
                .getWorkflowExecutionInfo()
                .getStatus();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
        continue; // not started yet
      }
      switch (status) {
        case WORKFLOW_EXECUTION_STATUS_RUNNING, WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW -> {}
        case WORKFLOW_EXECUTION_STATUS_COMPLETED ->
            out.add(new OwnerDone(o.runId(), JobState.COMPLETED));
        case WORKFLOW_EXECUTION_STATUS_CANCELED ->
            out.add(new OwnerDone(o.runId(), JobState.CANCELLED));
        case WORKFLOW_EXECUTION_STATUS_TERMINATED ->
            out.add(
                new OwnerDone(
                    o.runId(),
                    JobState.FAILED,
                    "the owner's workflow was terminated",
                    JobRunWorkflowImpl.TERMINATED));
        default ->
            out.add(
                new OwnerDone(
                    o.runId(),
                    JobState.FAILED,
                    "the owner's workflow ended "
                        + status.name().replace("WORKFLOW_EXECUTION_STATUS_", ""),
                    null));
      }
    }
    return out;
  }

  @Override
  public void setPaused(Paused paused) {
    KeepAlive.run(() -> jobRuns.setPaused(paused.jobRunId(), paused.paused()));
  }

  @Override
  public void cancelUnstarted(JobRunRef run) {
    KeepAlive.run(() -> jobRuns.cancelUnstarted(run.jobRunId()));
  }

  @Override
  public void recordRerun(Rerun rerun) {
    jobRuns.recordRerun(
        rerun.jobRunId(),
        rerun.runId(),
        rerun.attempt(),
        rerun.reason(),
        java.time.Instant.ofEpochMilli(rerun.decidedAtMillis()),
        java.time.Instant.ofEpochMilli(rerun.startsAtMillis()),
        rerun.mode());
  }
}
