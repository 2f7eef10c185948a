package dev.ferry.activities.engine;

import com.google.common.util.concurrent.RateLimiter;
import dev.ferry.workflows.FullSpeedWindow;
import java.time.Clock;

/**
 * The job-wide bandwidth cap, shared by every stream of a run in this process (Guava's {@link
 * RateLimiter}, one permit per byte). A rate of 0 means unlimited. With a full-speed window the cap
 * is lifted inside the window; which side of it we are on is looked at about once a second, so a
 * window opening or closing takes effect within a second. Limits can change while streams run.
 */
public final class Throttle {
  private final Clock clock;
  private volatile RateLimiter limiter;
  private volatile FullSpeedWindow window;
  private volatile long checkedAt;
  private volatile boolean open;
  private double mbps = -1;

  public Throttle(double mbps) {
    this(mbps, null, Clock.systemUTC());
  }

  public Throttle(double mbps, FullSpeedWindow window, Clock clock) {
    this.clock = clock;
    set(mbps, window);
  }

  /** Sets the cap and window; a limiter already running at the same rate is kept as it is. */
  public synchronized void set(double newMbps, FullSpeedWindow w) {
    if (newMbps != mbps) {
      limiter = newMbps > 0 ? RateLimiter.create(newMbps * 1_000_000 / 8) : null;
      mbps = newMbps;
    }
    window = w;
    checkedAt = 0;
  }

  public void setMbps(double mbps) {
    set(mbps, window);
  }

  /** True when no cap applies right now. */
  boolean unlimitedNow() {
    if (limiter == null) {
      return true;
    }
    FullSpeedWindow w = window;
    if (w == null) {
      return false;
    }
    long now = clock.millis();
    if (now - checkedAt >= 1000) {
      open = w.contains(clock.instant());
      checkedAt = now;
    }
    return open;
  }

  /** Blocks until {@code bytes} may pass. */
  public void acquire(int bytes) {
    RateLimiter l = limiter;
    if (l != null && bytes > 0 && !unlimitedNow()) {
      l.acquire(bytes);
    }
  }
}
