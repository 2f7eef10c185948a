package dev.ferry.activities.temporal;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.engine.TransferService;
import dev.ferry.workflows.BatchRef;
import dev.ferry.workflows.BatchResult;
import dev.ferry.workflows.Heartbeats;
import dev.ferry.workflows.Limits;
import dev.ferry.workflows.MigrationActivities;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Temporal adapter over {@link TransferService}. A ticker heartbeats every second with the batch's
 * figures ({@link Heartbeats.Batch}, never file names) and flushes live figures to the catalog;
 * when Temporal says the activity was cancelled (pause, cancel, new limits) the copies stop within
 * seconds and the batch returns what it finished.
 */
public final class TransferActivityImpl implements MigrationActivities.Transfer {
  private final TransferService transfers;
  private final Catalog catalog;

  public TransferActivityImpl(TransferService transfers, Catalog catalog) {
    this.transfers = transfers;
    this.catalog = catalog;
  }

  @Override
  public BatchResult transferBatch(BatchRef batch, Limits limits) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    AtomicBoolean stop = new AtomicBoolean();
    TransferService.Meter meter = new TransferService.Meter();
    ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().factory());
    ticker.scheduleAtFixedRate(
        () -> {
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
