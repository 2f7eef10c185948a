package dev.ferry.api.server;

import dev.ferry.activities.catalog.AgentRow;
import dev.ferry.workflows.JobState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * What only the server knows, as gauges read from the catalog when scraped (at most once every
 * {@link #MAX_AGE_MILLIS}, so a busy scraper costs a few small queries): {@code ferry_runs{state}}
 * — owner runs not yet ended, by state; {@code ferry_files_pending} — files of those runs still to
 * be handled (the queue); {@code ferry_agents_online} and {@code ferry_agents}.
 */
final class ServerMetrics {
  static final long MAX_AGE_MILLIS = 5_000;

  private static final ServerMetrics INSTANCE = new ServerMetrics();
  private static boolean bound;

  private Jdbi jdbi;
  private Snapshot snapshot;
  private long takenAt;

  private record Snapshot(Map<JobState, Long> runs, long pending, long online, long agents) {}

  private ServerMetrics() {}

  /**
   * Reads the gauges from {@code jdbi}'s catalog from now on; the gauges are registered once per
   * process (one server per process in production; tests start several one after the other).
   */
  static synchronized void bind(MeterRegistry r, Jdbi jdbi) {
    synchronized (INSTANCE) {
      INSTANCE.jdbi = jdbi;
      INSTANCE.snapshot = null;
    }
    if (bound) {
      return;
    }
    bound = true;
    ServerMetrics m = INSTANCE;
    for (JobState s : JobState.values()) {
      if (!s.terminal()) {
        Gauge.builder("ferry.runs", m, x -> x.now().runs().getOrDefault(s, 0L))
            .description("Owner runs not yet ended, by state")
            .tag("state", s.name().toLowerCase(Locale.ROOT))
            .register(r);
      }
    }
    Gauge.builder("ferry.files.pending", m, x -> x.now().pending())
        .description("Files of the runs not yet ended that are still to be handled")
        .register(r);
    Gauge.builder("ferry.agents.online", m, x -> x.now().online())
        .description("Agents that sent a heartbeat within the online window")
        .register(r);
    Gauge.builder("ferry.agents", m, x -> x.now().agents())
        .description("Registered agents")
        .register(r);
  }

  private synchronized Snapshot now() {
    long t = System.currentTimeMillis();
    if (snapshot == null || t - takenAt > MAX_AGE_MILLIS) {
      try {
        snapshot = read();
      } catch (RuntimeException e) {
        // the database is away: keep the last figures rather than fail the scrape
        if (snapshot == null) {
          snapshot = new Snapshot(Map.of(), 0, 0, 0);
        }
      }
      takenAt = t;
    }
    return snapshot;
  }

  private Snapshot read() {
    return jdbi.withHandle(
        h -> {
          Map<JobState, Long> runs = new EnumMap<>(JobState.class);
          h.createQuery(
                  """
                  select state, count(*) as n from runs
                  where state not in ('COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED')
                  group by state""")
              .map((rs, ctx) -> Map.entry(rs.getString("state"), rs.getLong("n")))
              .forEach(
                  e -> {
                    try {
                      runs.put(JobState.valueOf(e.getKey()), e.getValue());
                    } catch (IllegalArgumentException unknown) {
                      // a state this version does not know: not shown
                    }
                  });
          long pending =
              h.createQuery(
                      """
                      select count(*) from run_files f
                      where f.outcome is null and f.run_id in (
                        select id from runs where state in ('READY', 'RUNNING', 'PAUSED'))""")
                  .mapTo(Long.class)
                  .one();
          long online =
              h.createQuery(
                      "select count(*) from agents"
                          + " where last_seen_at > now() - make_interval(secs => :s)")
                  .bind("s", AgentRow.ONLINE_WINDOW.toSeconds())
                  .mapTo(Long.class)
                  .one();
          long agents = h.createQuery("select count(*) from agents").mapTo(Long.class).one();
          return new Snapshot(runs, pending, online, agents);
        });
  }
}
