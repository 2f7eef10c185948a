package dev.ferry.workflows;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/**
 * A daily window of full speed, written {@code HH:MM-HH:MM@Zone} (for example {@code
 * 18:00-06:00@Europe/Paris}); a window may run past midnight. Outside it the job's bandwidth cap
 * holds. Parsing uses no clock, so workflow code may validate it.
 */
public record FullSpeedWindow(LocalTime from, LocalTime to, ZoneId zone) {

  /** Parses the text form; throws IllegalArgumentException saying what a valid one looks like. */
  public static FullSpeedWindow parse(String text) {
    String example = " (write HH:MM-HH:MM@Zone, e.g. 18:00-06:00@Europe/Paris)";
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("the full-speed window is empty" + example);
    }
    String[] zoneSplit = text.trim().split("@", 2);
    String[] times = zoneSplit[0].split("-", 2);
    if (times.length != 2) {
      throw new IllegalArgumentException("'" + text + "' is not a window" + example);
    }
    try {
      LocalTime from = LocalTime.parse(times[0].trim());
      LocalTime to = LocalTime.parse(times[1].trim());
      ZoneId zone = zoneSplit.length == 2 ? ZoneId.of(zoneSplit[1].trim()) : ZoneId.of("UTC");
      if (from.equals(to)) {
        throw new IllegalArgumentException(
            "'" + text + "' starts and ends at the same time; leave out the cap instead");
      }
      return new FullSpeedWindow(from, to, zone);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + text + "' has a time that is not HH:MM" + example);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "'" + text + "' names an unknown time zone" + example + ": " + e.getMessage());
    }
  }

  /** True when {@code t} falls inside the window, in the window's time zone. */
  public boolean contains(Instant t) {
    LocalTime local = t.atZone(zone).toLocalTime();
    if (from.isBefore(to)) {
      return !local.isBefore(from) && local.isBefore(to);
    }
    return !local.isBefore(from) || local.isBefore(to); // past midnight
  }

  @Override
  public String toString() {
    return from + "-" + to + "@" + zone.getId();
  }
}
