package dev.ferry.workflows;

import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** The server's notices in memory; deliveries fail {@link #failFirst} times, or are refused. */
final class FakeNotifyActivities implements NotifyActivities {
  final List<Notice> notices = new CopyOnWriteArrayList<>();
  final AtomicInteger attempts = new AtomicInteger();
  final List<GiveUp> gaveUp = new CopyOnWriteArrayList<>();
  volatile int failFirst;
  volatile boolean refuse;

  @Override
  public void tell(Notice notice) {
    notices.add(notice);
  }

  @Override
  public void deliver(long deliveryId) {
    int n = attempts.incrementAndGet();
    if (refuse) {
      throw ApplicationFailure.newNonRetryableFailure("the receiver answered 410", REFUSED);
    }
    if (n <= failFirst) {
      throw ApplicationFailure.newFailure("the receiver answered 500", "WebhookFailed");
    }
  }

  @Override
  public void gaveUp(GiveUp giveUp) {
    gaveUp.add(giveUp);
  }
}
