package dev.ferry.api.cli;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.RunRow;
import dev.ferry.api.server.Csv;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * A run's report as CSV (Apache Commons CSV): {@code #}-comment lines with the summary, then a
 * header and one row per file — path, size, outcome (transferred / unchanged / altered / skipped /
 * failed), reason, SHA-256, how the copy was verified, attempts, and the bytes the destination
 * accepted in this run (fewer than the size when an interrupted upload was continued; empty when
 * nothing was written), and the name the file was given at the destination when the destination
 * refuses its own and the run remaps names (empty otherwise: together with path, the rename map);
 * then the hash the destination reports for the stored file and, for a file it stored but altered
 * (outcome {@code altered}), the size it holds and the store's native hash of the bytes sent (the
 * sent size being {@code size}; both empty otherwise). Streamed from the catalog, so a report of
 * millions of rows needs no memory.
 */
final class ReportWriter {
  static final String[] HEADER = {
    "path",
    "size",
    "outcome",
    "reason",
    "sha256",
    "verified_by",
    "attempts",
    "bytes_sent",
    "destination_path",
    "destination_size",
    "destination_hash",
    "sent_hash"
  };

  private ReportWriter() {}

  static void write(Catalog catalog, long runId, Path file) throws IOException {
    RunRow run = catalog.run(runId);
    Duration took =
        Duration.between(
            run.startedAt(), run.finishedAt() == null ? java.time.Instant.now() : run.finishedAt());
    Path tmp = file.resolveSibling(file.getFileName() + ".partial");
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
        Csv csv = Csv.withComments(w)) {
      csv.comment("Ferry run " + runId + " (" + run.mode() + "), state " + run.state());
      csv.comment(
          "duration_seconds: " + String.format(Locale.ROOT, "%.1f", took.toMillis() / 1000.0));
      csv.comment("files_found: " + run.filesTotal() + ", bytes_found: " + run.bytesTotal());
      csv.comment(
          "files_transferred: " + run.filesDone() + ", bytes_transferred: " + run.bytesDone());
      csv.comment("files_unchanged: " + run.filesUnchanged());
      csv.comment("files_skipped: " + run.filesSkipped());
      csv.comment("files_failed: " + run.filesFailed());
      long altered = catalog.altered(runId, 0).count();
      if (altered > 0) {
        csv.comment(
            "files_altered: " + altered + " (accepted: " + catalog.alteredAccepted(runId) + ")");
      }
      csv.comment("success_rate_percent: " + String.format(Locale.ROOT, "%.1f", successRate(run)));
      csv.row((Object[]) HEADER);
      try {
        catalog.forEachReportRow(
            runId,
            r -> {
              try {
                csv.row(
                    r.path(),
                    r.size(),
                    r.outcome(),
                    r.reason(),
                    r.sha256(),
                    r.verifiedBy(),
                    r.attempts(),
                    r.bytesSent(),
                    r.destPath(),
                    r.destSize(),
                    r.destHash(),
                    r.sentHash());
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
      } catch (java.io.UncheckedIOException e) {
        throw e.getCause();
      }
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** Files done (transferred or unchanged) as a share of those that were attempted. */
  static double successRate(RunRow run) {
    long good = run.filesDone() + run.filesUnchanged();
    long all = good + run.filesFailed();
    return all == 0 ? 100.0 : 100.0 * good / all;
  }
}
