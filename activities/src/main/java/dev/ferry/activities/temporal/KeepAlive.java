package dev.ferry.activities.temporal;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Heartbeats for an activity that has no progress of its own to report (recording a state, ending a
 * run, planning batches, paging owners), so that Temporal learns within the activity's heartbeat
 * timeout that the worker running it has died — a killed {@code ferry migrate}, a SIGKILLed {@code
 * ferry server} — and runs it again on a live worker, instead of waiting out its start-to-close
 * timeout (ten minutes for ending a run: the next {@code ferry migrate} of the same locations sat
 * that long at "4 of 4 files" before it could finish). A heartbeat only says the process is alive;
 * the start-to-close timeout still bounds work that hangs.
 */
public final class KeepAlive {
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "ferry-activity-keepalive");
            t.setDaemon(true);
            return t;
          });

  private KeepAlive() {}

  /** Runs {@code work}, heartbeating at a third of the activity's heartbeat timeout meanwhile. */
  public static <T> T call(Supplier<T> work) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    Duration timeout = ctx.getInfo().getHeartbeatTimeout();
    if (timeout == null || timeout.isZero()) {
      return work.get();
    }
    long every = Math.max(100, timeout.toMillis() / 3);
    ScheduledFuture<?> beat =
        TIMER.scheduleAtFixedRate(
            () -> {
              try {
                ctx.heartbeat(null);
              } catch (RuntimeException e) {
                // cancelled, or the activity has just ended: the work's own result decides
              }
            },
            0,
            every,
            TimeUnit.MILLISECONDS);
    try {
      return work.get();
    } finally {
      beat.cancel(false);
    }
  }

  /** {@link #call} for work without a result. */
  public static void run(Runnable work) {
    call(
        () -> {
          work.run();
          return null;
        });
  }
}
