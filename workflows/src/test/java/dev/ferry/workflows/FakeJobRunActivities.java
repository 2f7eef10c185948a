package dev.ferry.workflows;

import io.temporal.activity.Activity;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A job run's catalog in memory: {@code owners} owners with run ids 1..n. */
final class FakeJobRunActivities implements JobRunActivities {
  final List<OwnerRef> owners = new ArrayList<>();
  final List<Boolean> pausedSeen = new CopyOnWriteArrayList<>();
  final AtomicInteger cancelUnstarted = new AtomicInteger();
  final AtomicInteger pages = new AtomicInteger();

  FakeJobRunActivities(int n) {
    for (int i = 1; i <= n; i++) {
      owners.add(new OwnerRef("o" + i, i));
    }
  }

  @Override
  public List<OwnerRef> nextOwners(OwnerPage page) {
    pages.incrementAndGet();
    return owners.stream().filter(o -> o.runId() > page.afterRunId()).limit(page.max()).toList();
  }

  final AtomicInteger checks = new AtomicInteger();

  @Override
  public List<OwnerDone> endedOwners(Owners owners) {
    checks.incrementAndGet();
    WorkflowClient client = Activity.getExecutionContext().getWorkflowClient();
    List<OwnerDone> out = new ArrayList<>();
    for (OwnerRef o : owners.owners()) {
      String id = JobRunWorkflow.ownerWorkflowId(owners.jobId(), owners.jobRunId(), o);
      WorkflowExecutionStatus s;
      try {
        s =
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
      } catch (io.grpc.StatusRuntimeException e) {
        continue;
      }
      if (s == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        out.add(new OwnerDone(o.runId(), JobState.COMPLETED));
      } else if (s == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED) {
        out.add(new OwnerDone(o.runId(), JobState.CANCELLED));
      } else if (s != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        out.add(new OwnerDone(o.runId(), JobState.FAILED));
      }
    }
    return out;
  }

  @Override
  public void setPaused(Paused paused) {
    pausedSeen.add(paused.paused());
  }

  @Override
  public void cancelUnstarted(JobRunRef run) {
    cancelUnstarted.incrementAndGet();
  }

  final List<Rerun> reruns = new CopyOnWriteArrayList<>();

  @Override
  public void recordRerun(Rerun rerun) {
    reruns.add(rerun);
  }
}
