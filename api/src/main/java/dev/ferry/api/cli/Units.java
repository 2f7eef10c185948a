package dev.ferry.api.cli;

import java.util.Locale;

/** Human-readable sizes, rates and durations. */
final class Units {
  private Units() {}

  static String bytes(double b) {
    String[] u = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (b >= 1024 && i < u.length - 1) {
      b /= 1024;
      i++;
    }
    return i == 0
        ? String.format(Locale.ROOT, "%.0f %s", b, u[i])
        : String.format(Locale.ROOT, "%.1f %s", b, u[i]);
  }

  static String duration(double seconds) {
    if (seconds < 60) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    long s = Math.round(seconds);
    if (s >= 100L * 24 * 3600) {
      return "over 99 days";
    }
    if (s >= 24 * 3600) {
      return String.format(Locale.ROOT, "%dd %02dh", s / 86400, (s / 3600) % 24);
    }
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
