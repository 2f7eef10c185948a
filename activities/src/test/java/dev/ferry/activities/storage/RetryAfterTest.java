package dev.ferry.activities.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  private static final Clock NOW =
      Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  @Test
  void delaySeconds() {
    assertThat(RetryAfter.parse("7", NOW)).contains(Duration.ofSeconds(7));
    assertThat(RetryAfter.parse(" 0 ", NOW)).contains(Duration.ZERO);
    assertThat(RetryAfter.parse("-3", NOW)).isEmpty();
  }

  @Test
  void anHttpDateCountsFromTheClock() {
    assertThat(RetryAfter.parse("Thu, 01 Jan 2026 00:00:42 GMT", NOW))
        .contains(Duration.ofSeconds(42));
    assertThat(
            RetryAfter.parse(
                "Thu, 01 Jan 2026 00:00:42 GMT", Clock.offset(NOW, Duration.ofSeconds(40))))
        .contains(Duration.ofSeconds(2));
    // a date in the past: no wait
    assertThat(RetryAfter.parse("Wed, 31 Dec 2025 23:00:00 GMT", NOW)).contains(Duration.ZERO);
  }

  @Test
  void absentOrUnreadable() {
    assertThat(RetryAfter.parse(null, NOW)).isEmpty();
    assertThat(RetryAfter.parse("  ", NOW)).isEmpty();
    assertThat(RetryAfter.parse("soon", NOW)).isEmpty();
  }
}
