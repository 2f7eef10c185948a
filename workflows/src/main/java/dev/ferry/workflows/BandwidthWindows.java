package dev.ferry.workflows;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A project's bandwidth schedule as a job run's parent workflow holds it: windows of days and local
 * times, each with a cap in Mbps; the first window that matches gives the cap, outside every window
 * there is none. Pure computation on a given instant (no clock), so workflow code may use it with
 * {@code Workflow.currentTimeMillis()}. A window whose {@code to} is earlier than its {@code from}
 * runs past midnight (its days are the days it starts).
 *
 * @param timeZone the zone the times are in, e.g. {@code Europe/Berlin}
 * @param windows the windows, first match wins
 */
public record BandwidthWindows(String timeZone, List<Window> windows) {
  private static final List<String> DAYS = List.of("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN");

  /**
   * One window.
   *
   * @param days three-letter days ({@code MON} ... {@code SUN})
   * @param from local start time {@code HH:mm}
   * @param to local end time {@code HH:mm} (exclusive)
   * @param mbps the cap in megabits per second
   */
  public record Window(List<String> days, String from, String to, double mbps) {}

  /** The cap in force at {@code now}, or null when no window matches. */
  public Double capAt(Instant now) {
    ZonedDateTime t = now.atZone(ZoneId.of(timeZone));
    LocalTime time = t.toLocalTime();
    for (Window w : windows) {
      LocalTime from = LocalTime.parse(w.from());
      LocalTime to = LocalTime.parse(w.to());
      Set<DayOfWeek> days = days(w.days());
      boolean match;
      if (from.isBefore(to)) {
        match = days.contains(t.getDayOfWeek()) && !time.isBefore(from) && time.isBefore(to);
      } else {
        match =
            (days.contains(t.getDayOfWeek()) && !time.isBefore(from))
                || (days.contains(t.getDayOfWeek().minus(1)) && time.isBefore(to));
      }
      if (match) {
        return w.mbps();
      }
    }
    return null;
  }

  /**
   * The first instant after {@code now} at which a window opens or closes (where the cap may
   * change), or null when there is none within eight days.
   */
  public Instant nextBoundary(Instant now) {
    ZoneId zone = ZoneId.of(timeZone);
    LocalDate today = now.atZone(zone).toLocalDate();
    Instant best = null;
    for (int d = -1; d <= 8; d++) {
      LocalDate day = today.plusDays(d);
      for (Window w : windows) {
        for (String hhmm : List.of(w.from(), w.to())) {
          Instant at = day.atTime(LocalTime.parse(hhmm)).atZone(zone).toInstant();
          if (at.isAfter(now) && (best == null || at.isBefore(best))) {
            best = at;
          }
        }
      }
    }
    return best;
  }

  private static Set<DayOfWeek> days(List<String> names) {
    Set<DayOfWeek> out = EnumSet.noneOf(DayOfWeek.class);
    for (String d : names) {
      out.add(DayOfWeek.of(DAYS.indexOf(d.toUpperCase(Locale.ROOT)) + 1));
    }
    return out;
  }
}
