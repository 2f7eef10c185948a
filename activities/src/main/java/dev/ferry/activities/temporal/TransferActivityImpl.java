package dev.ferry.activities.temporal;

import dev.ferry.activities.catalog.RunCatalog;
import dev.ferry.activities.engine.TransferService;
import dev.ferry.workflows.BatchProgress;
import dev.ferry.workflows.BatchRef;
import dev.ferry.workflows.BatchResult;
import dev.ferry.workflows.Heartbeats;
import dev.ferry.workflows.Limits;
import dev.ferry.workflows.MigrationActivities;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.client.WorkflowStub;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Temporal adapter over {@link TransferService}. A ticker heartbeats every second with the batch's
 * figures ({@link Heartbeats.Batch}, never file names) and flushes live figures to the catalog, and
 * every few seconds tells the run's workflow what the batch has done ({@link BatchProgress}); when
 * Temporal says the activity was cancelled (pause, cancel, new limits) the copies stop within
 * seconds and the batch returns what it finished.
 */
public final class TransferActivityImpl implements MigrationActivities.Transfer {
  private final TransferService transfers;
  private final RunCatalog catalog;

  public TransferActivityImpl(TransferService transfers, RunCatalog catalog) {
    this.transfers = transfers;
    this.catalog = catalog;
  }

  /** How often, in ticks of a second, a batch tells its workflow what it has done so far. */
  static final int TELL_EVERY_TICKS = 3;

  /**
   * Sends the batch's figures so far to its run's workflow ({@link BatchProgress}) when they moved
   * since the last time: one signal every few seconds, and none from a batch that waits.
   */
  private static void tell(
      WorkflowStub run,
      BatchRef batch,
      TransferService.Meter meter,
      AtomicReference<BatchResult> told) {
    BatchResult now = meter.soFar();
    if (now.equals(told.get())) {
      return;
    }
    try {
      run.signal("batchProgress", new BatchProgress(batch.fromSeq(), now));
      told.set(now);
    } catch (RuntimeException e) {
      // the run has ended or moved on: its own figures are final
    }
  }

  @Override
  public BatchResult transferBatch(BatchRef batch, Limits limits) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    AtomicBoolean stop = new AtomicBoolean();
    TransferService.Meter meter = new TransferService.Meter();
    ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().factory());
    WorkflowStub run =
        ctx.getWorkflowClient()
            .newUntypedWorkflowStub(
                ctx.getInfo().getWorkflowId(),
                Optional.of(ctx.getInfo().getRunId()),
                Optional.empty());
    AtomicLong ticks = new AtomicLong();
    AtomicReference<BatchResult> told = new AtomicReference<>();
    ticker.scheduleAtFixedRate(
        () -> {
          if (ticks.incrementAndGet() % TELL_EVERY_TICKS == 0) {
            tell(run, batch, meter, told);
          }
          try {
            ctx.heartbeat(
                new Heartbeats.Batch(meter.files(), batch.files(), meter.bytes(), batch.bytes()));
          } catch (ActivityCompletionException e) {
            stop.set(true); // cancelled, timed out or the workflow is gone
          } catch (RuntimeException e) {
            // a heartbeat that could not be sent is retried on the next tick
          }
          try {
            meter.flush(catalog, batch.runId(), batch.fromSeq());
          } catch (RuntimeException e) {
            // live figures are best effort; final counts come from the manifest
          }
        },
        1,
        1,
        TimeUnit.SECONDS);
    try {
      BatchResult r = transfers.transfer(batch, limits, meter, stop::get);
      if (ctx.getInfo().getAttempt() > 1) {
        catalog.clearRetryNote(batch.runId());
      }
      return r;
    } catch (RuntimeException e) {
      throw Failures.toFailure(
          e,
          catalog,
          batch.runId(),
          "the batch of files " + (batch.fromSeq() + 1) + "-" + batch.toSeq());
    } finally {
      ticker.shutdownNow();
      try {
        meter.flush(catalog, batch.runId(), batch.fromSeq());
      } catch (RuntimeException ignored) {
        // best effort
      }
    }
  }
}
