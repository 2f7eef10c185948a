package dev.ferry.workflows;

/**
 * The limits of a running job that may change while it runs.
 *
 * @param concurrency parallel transfer streams, 1 to {@link #MAX_CONCURRENCY}
 * @param bwlimitMbps bandwidth cap for the whole job in megabits per second, 0 for none
 * @param fullSpeedWindow a daily window in which the cap is lifted ({@link FullSpeedWindow} text
 *     form, e.g. {@code 18:00-06:00@Europe/Paris}), or null for the cap at all times
 */
public record Limits(int concurrency, double bwlimitMbps, String fullSpeedWindow) {
  public static final int MAX_CONCURRENCY = 32;

  public Limits(int concurrency, double bwlimitMbps) {
    this(concurrency, bwlimitMbps, null);
  }

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
    if (fullSpeedWindow != null) {
      if (bwlimitMbps == 0) {
        return "a full-speed window needs a bandwidth limit to lift (the cap outside the window)";
      }
      try {
        FullSpeedWindow.parse(fullSpeedWindow);
      } catch (IllegalArgumentException e) {
        return e.getMessage();
      }
    }
    return null;
  }
}
