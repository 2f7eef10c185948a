package dev.ferry.activities.catalog;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A point in time given as a date ({@code 2024-01-31}), a date-time ({@code 2024-01-31T12:00},
 * {@code 2024-01-31T12:00:00Z}) or an age ({@code 30d}, {@code 12h}, {@code 90m}, {@code 45s},
 * {@code 2w}, {@code 1y}), resolved against now in the local time zone.
 */
public final class TimeSpec {
  private static final Pattern AGE = Pattern.compile("(\\d+)\\s*([smhdwy])");

  private TimeSpec() {}

  public static Instant parse(String text, Instant now, ZoneId zone) {
    String t = text.trim();
    Matcher m = AGE.matcher(t.toLowerCase());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration d =
          switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            case "w" -> Duration.ofDays(7 * n);
            default -> Duration.ofDays(365 * n);
          };
      return now.minus(d);
    }
    try {
      return OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeParseException ignored) {
      // try the next form
    }
    try {
      return LocalDateTime.parse(t).atZone(zone).toInstant();
    } catch (DateTimeParseException ignored) {
      // try the next form
    }
    try {
      return LocalDate.parse(t).atStartOfDay(zone).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is neither a date (2024-01-31, 2024-01-31T12:00:00Z) nor an age (45s, 90m, 12h,"
              + " 30d, 2w, 1y)");
    }
  }
}
