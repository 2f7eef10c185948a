package dev.ferry.workflows;

import io.temporal.activity.Activity;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stand-in activities for testing the workflow's orchestration alone (Temporal's test environment):
 * a manifest of {@code batches} batches of 1,000 files, each batch taking {@code batchMillis} while
 * heartbeating, so pause and cancel can reach it.
 */
final class FakeActivities
    implements MigrationActivities.Scan,
        MigrationActivities.Plan,
        MigrationActivities.Transfer,
        MigrationActivities.Catalog,
        MigrationActivities.Shards {
  final int batches;
  volatile long batchMillis;
  volatile boolean failTransfers;
  volatile long scanMillis;

  /** Files each batch reports failed (the rest of its 1,000 transferred). */
  volatile int failedPerBatch;

  /**
   * Scans that fail as a whole, by run id: how many more times (-1 for always), with {@link
   * #scanFailureType} (retried by Temporal unless it is one of the config-error types).
   */
  final java.util.Map<Long, Integer> scanFailures = new java.util.concurrent.ConcurrentHashMap<>();

  volatile String scanFailureType = "FerryTransient";

  final AtomicInteger scansStarted = new AtomicInteger();
  final List<JobState> states = new CopyOnWriteArrayList<>();
  final List<Limits> limitsSeen = new CopyOnWriteArrayList<>();
  final AtomicInteger transfersStarted = new AtomicInteger();
  final AtomicInteger transfersCancelled = new AtomicInteger();
  final List<Long> done = Collections.synchronizedList(new ArrayList<>());
  volatile Progress finished;

  /** Shards the split cuts the manifest into (0: the owner stays whole). */
  volatile int shards;

  final List<ShardEnd> shardEnds = new CopyOnWriteArrayList<>();

  /**
   * When set, each batch tells its run's workflow, as the real transfer does, that it has done half
   * its files ({@link BatchProgress}) once it runs.
   */
  volatile io.temporal.client.WorkflowClient reportTo;

  /** Ends the batches running now (their wait) at once. */
  volatile boolean release;

  FakeActivities(int batches, long batchMillis) {
    this.batches = batches;
    this.batchMillis = batchMillis;
  }

  @Override
  public ScanResult scan(long runId) {
    scansStarted.incrementAndGet();
    Integer left = scanFailures.get(runId);
    if (left != null && left != 0) {
      scanFailures.put(runId, left < 0 ? left : left - 1);
      String message = "list /data/o" + runId + ": Input/output error";
      throw scanFailureType.equals("FerryTransient")
          ? ApplicationFailure.newFailure(message, scanFailureType)
          : ApplicationFailure.newNonRetryableFailure(message, scanFailureType);
    }
    long until = System.currentTimeMillis() + scanMillis;
    try {
      while (System.currentTimeMillis() < until) {
        Activity.getExecutionContext().heartbeat(null);
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return new ScanResult(
        batches * 1000L,
        batches * 1000L * 10,
        batches * 1000L,
        batches * 10_000L,
        0,
        0,
        0,
        batches);
  }

  @Override
  public List<BatchRef> nextBatches(long runId, long afterSeq, int max) {
    List<BatchRef> out = new ArrayList<>();
    for (long s = afterSeq + 1; s <= batches && out.size() < max; s++) {
      if (!done.contains(s)) {
        out.add(new BatchRef(runId, s - 1, s, 1000, 10_000));
      }
    }
    return out;
  }

  @Override
  public List<BatchRef> nextBatchesIn(PlanRange r) {
    List<BatchRef> out = new ArrayList<>();
    for (BatchRef b : nextBatches(r.runId(), r.afterSeq(), r.max())) {
      if (b.toSeq() <= r.toSeq()) {
        out.add(b);
      }
    }
    return out;
  }

  /** Cuts the batches into {@link #shards} ranges of about equal size (one batch per row here). */
  @Override
  public List<ShardRef> split(long runId) {
    int n = shards;
    List<ShardRef> out = new ArrayList<>();
    if (n < 2) {
      return out;
    }
    long from = 0;
    for (int i = 1; i <= n; i++) {
      long to = (long) batches * i / n;
      long files = (to - from) * 1000;
      out.add(
          new ShardRef(
              i, n, from, to, files, files * 10, files, files * 10, "f" + from, "f" + (to - 1)));
      from = to;
    }
    return out;
  }

  @Override
  public void recordShard(ShardEnd shard) {
    shardEnds.add(shard);
  }

  @Override
  public BatchResult transferBatch(BatchRef batch, Limits limits) {
    transfersStarted.incrementAndGet();
    limitsSeen.add(limits);
    if (failTransfers) {
      throw ApplicationFailure.newNonRetryableFailure(
          "access denied by s3://bucket", MigrationActivities.ACCESS_DENIED);
    }
    long until = System.currentTimeMillis() + batchMillis;
    boolean reported = false;
    try {
      while (System.currentTimeMillis() < until && !release) {
        Activity.getExecutionContext().heartbeat(null);
        if (!reported && reportTo != null) {
          reported = true;
          reportTo
              .newUntypedWorkflowStub(Activity.getExecutionContext().getInfo().getWorkflowId())
              .signal(
                  "batchProgress",
                  new BatchProgress(batch.fromSeq(), new BatchResult(500, 5000, 0, 0, 0, false)));
        }
        Thread.sleep(20);
      }
    } catch (ActivityCompletionException e) {
      transfersCancelled.incrementAndGet();
      return new BatchResult(0, 0, 0, 0, 0, false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new BatchResult(0, 0, 0, 0, 0, false);
    }
    synchronized (done) {
      if (done.contains(batch.toSeq())) {
        return new BatchResult(0, 0, 0, 0, 0, true);
      }
      done.add(batch.toSeq());
    }
    return new BatchResult(
        1000 - failedPerBatch, 10L * (1000 - failedPerBatch), 0, 0, failedPerBatch, true);
  }

  @Override
  public void setState(long runId, JobState state, String message) {
    states.add(state);
  }

  @Override
  public Progress finish(long runId, Progress progress) {
    // as the catalog does: a run that ended with failed files completed with errors
    if (progress.state() == JobState.COMPLETED && progress.filesFailed() > 0) {
      progress = progress.withState(JobState.COMPLETED_WITH_ERRORS);
    }
    states.add(progress.state());
    finished = progress;
    return progress;
  }

  @Override
  public Progress recordEnd(MigrationActivities.RecordEnd end) {
    return finish(end.runId(), end.progress().withMessage(end.note()));
  }
}
