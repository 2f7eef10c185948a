package dev.ferry.activities.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.workflows.FullSpeedWindow;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ThrottleTest {
  static Clock at(String isoInstant) {
    return Clock.fixed(Instant.parse(isoInstant), ZoneOffset.UTC);
  }

  static double secondsToPass(Throttle t, int bytes) {
    long t0 = System.nanoTime();
    for (int i = 0; i < bytes / 65536; i++) {
      t.acquire(65536);
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  @Test
  void theCapHoldsOutsideTheWindowAndIsLiftedInsideIt() {
    FullSpeedWindow night = FullSpeedWindow.parse("18:00-06:00@Europe/Paris");
    // 12:00 in Paris: capped at 8 Mbps = 1 MB/s, so 2 MiB take about 2 s
    Throttle day = new Throttle(8, night, at("2026-06-01T10:00:00Z"));
    assertThat(secondsToPass(day, 2 << 20)).isGreaterThan(1.5);
    // 23:00 in Paris: full speed
    Throttle nightTime = new Throttle(8, night, at("2026-06-01T21:00:00Z"));
    assertThat(secondsToPass(nightTime, 64 << 20)).isLessThan(0.5);
  }

  @Test
  void windowsMayRunPastMidnightAndNameTheirZone() {
    FullSpeedWindow w = FullSpeedWindow.parse("22:30-05:00@America/New_York");
    assertThat(w.zone()).isEqualTo(ZoneId.of("America/New_York"));
    assertThat(w.contains(Instant.parse("2026-01-15T04:00:00Z"))).isTrue(); // 23:00 NY
    assertThat(w.contains(Instant.parse("2026-01-15T09:59:00Z"))).isTrue(); // 04:59 NY
    assertThat(w.contains(Instant.parse("2026-01-15T10:00:00Z"))).isFalse(); // 05:00 NY
    assertThat(w.contains(Instant.parse("2026-01-15T17:00:00Z"))).isFalse(); // 12:00 NY
  }

  @Test
  void badWindowsAreExplained() {
    for (String bad :
        new String[] {"18-06", "25:00-06:00@UTC", "18:00-06:00@Mars/Olympus", "08:00-08:00@UTC"}) {
      try {
        FullSpeedWindow.parse(bad);
        throw new AssertionError("accepted " + bad);
      } catch (IllegalArgumentException e) {
        assertThat(e.getMessage()).contains(bad);
      }
    }
  }
}
