package dev.ferry.api.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.DateTimeException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A project's bandwidth schedule: windows of days and local times, each with a cap in Mbps. At any
 * moment the first window that matches gives the cap; outside every window there is none (the job's
 * own limit applies). A window whose {@code to} is earlier than its {@code from} runs past midnight
 * (its days are the days it starts). A job run's parent workflow gets the schedule in its input
 * ({@link #toWorkflow}) and re-shares the cap among its owners at each boundary (a durable timer).
 *
 * @param timeZone the zone the times are in, e.g. {@code Europe/Berlin}
 */
record BandwidthSchedule(String timeZone, List<Window> windows) {
  static final List<String> DAYS = List.of("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN");

  /**
   * One window.
   *
   * @param days three-letter days ({@code MON} ... {@code SUN})
   * @param from local start time {@code HH:mm}
   * @param to local end time {@code HH:mm} (exclusive)
   * @param mbps the cap in megabits per second
   */
  record Window(List<String> days, String from, String to, double mbps) {}

  /** Reads and checks a schedule; problems go to {@code in}; null when absent or invalid. */
  static BandwidthSchedule read(Input parent, String field) {
    Input in = parent.object(field);
    if (in == null) {
      return null;
    }
    String zone = in.string("timeZone", true, 64);
    if (zone != null) {
      try {
        ZoneId.of(zone);
      } catch (DateTimeException e) {
        in.error(
            "timeZone", "is not a time zone such as Europe/Berlin or UTC (got '" + zone + "')");
        zone = null;
      }
    }
    List<Input> ws = in.objects("windows", 50);
    if (ws == null) {
      in.error("windows", "is required: a list of {days, from, to, mbps}");
      return null;
    }
    if (ws.isEmpty()) {
      in.error("windows", "must have at least one window");
    }
    List<Window> windows = new ArrayList<>();
    for (Input w : ws) {
      List<String> days = w.strings("days", 7, 20);
      if (days == null || days.isEmpty()) {
        w.error("days", "is required: a list of MON, TUE, WED, THU, FRI, SAT, SUN");
      } else {
        for (String d : days) {
          if (!DAYS.contains(d.toUpperCase(Locale.ROOT))) {
            w.error(
                "days", "must list days among " + String.join(", ", DAYS) + " (got '" + d + "')");
          }
        }
      }
      String from = time(w, "from");
      String to = time(w, "to");
      if (from != null && from.equals(to)) {
        w.error(
            "to", "must differ from 'from' (a window past midnight ends earlier than it starts)");
      }
      Double mbps = w.number("mbps", 0.001, 1_000_000);
      if (mbps == null && !w.hasErrors()) {
        w.error("mbps", "is required: the cap in Mbps");
      }
      if (days != null && from != null && to != null && mbps != null) {
        windows.add(
            new Window(
                days.stream().map(d -> d.toUpperCase(Locale.ROOT)).toList(), from, to, mbps));
      }
    }
    if (zone == null || windows.size() != ws.size() || ws.isEmpty()) {
      return null;
    }
    return new BandwidthSchedule(zone, windows);
  }

  private static String time(Input w, String field) {
    String s = w.string(field, true, 5);
    if (s == null) {
      return null;
    }
    try {
      if (s.matches("\\d\\d:\\d\\d")) {
        LocalTime.parse(s);
        return s;
      }
    } catch (DateTimeParseException e) {
      // reported below
    }
    w.error(field, "must be a time HH:mm such as 08:00 (got '" + s + "')");
    return null;
  }

  /** The schedule as a job run's workflow holds it. */
  dev.ferry.workflows.BandwidthWindows toWorkflow() {
    return new dev.ferry.workflows.BandwidthWindows(
        timeZone,
        windows.stream()
            .map(
                w ->
                    new dev.ferry.workflows.BandwidthWindows.Window(
                        w.days(), w.from(), w.to(), w.mbps()))
            .toList());
  }

  String toJson() {
    try {
      return Json.MAPPER.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static BandwidthSchedule fromJson(String json) {
    if (json == null) {
      return null;
    }
    try {
      return Json.MAPPER.readValue(json, BandwidthSchedule.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable bandwidth schedule", e);
    }
  }
}
