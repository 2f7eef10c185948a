package dev.ferry.workflows;

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

  @Override
  public void setPaused(Paused paused) {
    pausedSeen.add(paused.paused());
  }

  @Override
  public void cancelUnstarted(JobRunRef run) {
    cancelUnstarted.incrementAndGet();
  }
}
