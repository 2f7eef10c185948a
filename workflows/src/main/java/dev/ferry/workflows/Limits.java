package dev.ferry.workflows;

/**
 * The limits of a running job that may change while it runs.
 *
 * @param concurrency parallel transfer streams, 1 to {@link #MAX_CONCURRENCY}
 * @param bwlimitMbps bandwidth cap for the whole job in megabits per second, 0 for none
 */
public record Limits(int concurrency, double bwlimitMbps) {
  public static final int MAX_CONCURRENCY = 32;

  /** Why these limits are invalid, or null when they are fine. */
  public String problem() {
    if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      return "concurrency must be between 1 and " + MAX_CONCURRENCY + " (got " + concurrency + ")";
    }
    if (!(bwlimitMbps >= 0) || Double.isInfinite(bwlimitMbps)) {
      return "bandwidth limit must be 0 (none) or a positive number of Mbps (got "
          + bwlimitMbps
          + ")";
    }
    return null;
  }
}
