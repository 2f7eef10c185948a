package dev.ferry.api.server;

import dev.ferry.activities.catalog.JobRunRow;
import dev.ferry.activities.catalog.JobRuns;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Current speed and ETA of running jobs, from samples of their transferred bytes over the last
 * {@link #WINDOW_NANOS} (the transfer activities flush live counters to the catalog every second).
 * The server samples every active job run once a second; a read also adds a sample. Thread-safe.
 */
final class ProgressSampler {
  static final long WINDOW_NANOS = 10_000_000_000L;
  private static final Logger log = LoggerFactory.getLogger(ProgressSampler.class);

  private record Sample(long nanos, long bytes) {}

  /**
   * Speed in bytes per second and seconds left, either null when unknown; {@code scan} says how
   * many owners are scanned while not all are (the totals are partial: no ETA from them), else
   * null.
   */
  record Rate(Double bytesPerSecond, Double etaSeconds, JobRuns.ScanProgress scan) {
    Rate(Double bytesPerSecond, Double etaSeconds) {
      this(bytesPerSecond, etaSeconds, null);
    }
  }

  private final JobRuns jobRuns;
  private final Map<Long, Deque<Sample>> samples = new ConcurrentHashMap<>();

  ProgressSampler(JobRuns jobRuns) {
    this.jobRuns = jobRuns;
  }

  /** Samples every active job run and forgets those that ended. */
  void sampleActive() {
    try {
      Set<Long> active = new HashSet<>();
      for (JobRunRow r : jobRuns.active()) {
        active.add(r.id());
        add(r);
      }
      samples.keySet().retainAll(active);
    } catch (RuntimeException e) {
      log.warn("progress sampling failed: {}", e.getMessage());
    }
  }

  private Deque<Sample> add(JobRunRow r) {
    long now = System.nanoTime();
    Deque<Sample> d = samples.computeIfAbsent(r.id(), k -> new ArrayDeque<>());
    synchronized (d) {
      d.addLast(new Sample(now, r.bytesDone()));
      while (d.size() > 2 && now - d.peekFirst().nanos() > WINDOW_NANOS) {
        d.removeFirst();
      }
    }
    return d;
  }

  /** The rate of a job run; null figures while it has not run long enough to tell. */
  Rate rate(JobRunRow r) {
    if (r.finishedAt() != null) {
      return new Rate(null, null);
    }
    JobRuns.ScanProgress scan = jobRuns.scanProgress(r.id());
    if (!scan.partial()) {
      scan = null;
    }
    if (!"RUNNING".equals(r.state())) {
      return new Rate(null, null, scan);
    }
    Deque<Sample> d = add(r);
    Sample first;
    Sample last;
    synchronized (d) {
      first = d.peekFirst();
      last = d.peekLast();
    }
    double secs = (last.nanos() - first.nanos()) / 1e9;
    if (secs < 1.0) {
      return new Rate(null, null, scan);
    }
    double speed = Math.max(0, last.bytes() - first.bytes()) / secs;
    long left = Math.max(0, r.bytesToCopy() - r.bytesDone());
    Double eta = null;
    if (scan != null) {
      eta = null; // a total that will grow gives no honest ETA
    } else if (left == 0) {
      eta = 0.0;
    } else if (speed > 0) {
      eta = left / speed;
    }
    return new Rate(speed, eta, scan);
  }
}
