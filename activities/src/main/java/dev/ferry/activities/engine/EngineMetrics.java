package dev.ferry.activities.engine;

import dev.ferry.activities.storage.Locations;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.workflows.ScanResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;

/**
 * What the engine counts for operators, in Micrometer's global registry (a process that serves
 * {@code /metrics} adds its Prometheus registry there; without one the counts cost next to nothing
 * and go nowhere). Named by Prometheus conventions once exported: base units, {@code _total}
 * counters, and labels of small sets only — a file's outcome and the connectors' kinds, never a
 * job, owner or path.
 *
 * <ul>
 *   <li>{@code ferry_files_total{outcome,source,destination}} — files (folders and links included)
 *       recorded with each outcome: transferred, unchanged, altered, skipped, failed.
 *   <li>{@code ferry_files_size_bytes_total{outcome,source,destination}} — their sizes.
 *   <li>{@code ferry_retries_total{source,destination,reason}} — a file tried again, reason {@code
 *       throttled} when the store asked to slow down, {@code error} otherwise.
 *   <li>{@code ferry_scanned_entries_total{source}} — entries listed by scans (the scan rate is its
 *       rate).
 * </ul>
 */
public final class EngineMetrics {
  private EngineMetrics() {}

  static MeterRegistry registry() {
    return Metrics.globalRegistry;
  }

  /** The connector kind of a location: local, s3, sftp, azure, onedrive or sharepoint. */
  public static String kind(String location) {
    try {
      String c = Locations.canonical(location);
      int i = c.indexOf(':');
      String scheme = i < 0 ? "file" : c.substring(0, i);
      return scheme.equals("file") ? "local" : scheme;
    } catch (RuntimeException e) {
      return "unknown";
    }
  }

  /** One file's recorded outcome, and its size. */
  static void file(String outcome, String source, String destination, long bytes) {
    filesCounter(outcome, source, destination).increment();
    if (bytes > 0) {
      Counter.builder("ferry.files.size")
          .baseUnit("bytes")
          .description("Sizes of the files recorded with each outcome")
          .tags("outcome", outcome, "source", source, "destination", destination)
          .register(registry())
          .increment(bytes);
    }
  }

  /** A file tried again after {@code e}. */
  static void retry(String source, String destination, StorageException e) {
    Counter.builder("ferry.retries")
        .description("Files tried again, throttled when the store asked to slow down")
        .tags(
            "source",
            source,
            "destination",
            destination,
            "reason",
            e instanceof StorageException.Throttled ? "throttled" : "error")
        .register(registry())
        .increment();
  }

  /**
   * A scan's figures: the entries it listed and, unless it was a dry run, the files it decided
   * already (unchanged, skipped or failed before any transfer), so that {@code ferry_files_total}
   * adds up to the runs' reports.
   */
  static void scanned(String source, String destination, boolean dryRun, ScanResult r) {
    Counter.builder("ferry.scanned.entries")
        .description("Entries listed by scans")
        .tags("source", source)
        .register(registry())
        .increment(r.files());
    if (!dryRun) {
      files("unchanged", source, destination, r.unchanged());
      files("skipped", source, destination, r.skipped());
      files("failed", source, destination, r.failed());
    }
  }

  private static void files(String outcome, String source, String destination, long n) {
    if (n > 0) {
      filesCounter(outcome, source, destination).increment(n);
    }
  }

  private static Counter filesCounter(String outcome, String source, String destination) {
    return Counter.builder("ferry.files")
        .description("Files recorded with each outcome")
        .tags("outcome", outcome, "source", source, "destination", destination)
        .register(registry());
  }
}
