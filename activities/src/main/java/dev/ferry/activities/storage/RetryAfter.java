package dev.ferry.activities.storage;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * An HTTP {@code Retry-After} value (RFC 9110 §10.2.3), as S3, Azure and Microsoft Graph send it
 * with a throttled or unavailable answer.
 */
public final class RetryAfter {
  private RetryAfter() {}

  /**
   * How long {@code value} asks to wait: delay seconds ({@code 120}), or an HTTP date ({@code Fri,
   * 31 Dec 1999 23:59:59 GMT}) counted from {@code now} (a date in the past means no wait). Empty
   * when absent or unreadable, negative seconds included.
   */
  public static Optional<Duration> parse(String value, Clock now) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String v = value.strip();
    try {
      long seconds = Long.parseLong(v);
      return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration d = Duration.between(now.instant(), at);
        return Optional.of(d.isNegative() ? Duration.ZERO : d);
      } catch (DateTimeParseException notADate) {
        return Optional.empty();
      }
    }
  }
}
