package dev.ferry.activities.engine;

import com.google.common.util.concurrent.RateLimiter;

/**
 * The job-wide bandwidth cap, shared by every stream of a run in this process (Guava's {@link
 * RateLimiter}, one permit per byte). A rate of 0 means unlimited. The rate can change while
 * streams run.
 */
public final class Throttle {
  private volatile RateLimiter limiter;

  public Throttle(double mbps) {
    setMbps(mbps);
  }

  public void setMbps(double mbps) {
    limiter = mbps > 0 ? RateLimiter.create(mbps * 1_000_000 / 8) : null;
  }

  /** Blocks until {@code bytes} may pass. */
  public void acquire(int bytes) {
    RateLimiter l = limiter;
    if (l != null && bytes > 0) {
      l.acquire(bytes);
    }
  }
}
