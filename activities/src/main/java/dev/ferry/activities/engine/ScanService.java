package dev.ferry.activities.engine;

import dev.ferry.activities.catalog.JobRow;
import dev.ferry.activities.catalog.Listing;
import dev.ferry.activities.catalog.RunCatalog;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.catalog.RunRow;
import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import dev.ferry.workflows.RunMode;
import dev.ferry.workflows.ScanResult;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Lists the source and the destination into the manifest and decides, per path, what a run has to
 * do. Nothing is held in memory: listings stream into the catalog ({@link
 * RunCatalog#recordListing}: PostgreSQL through COPY, or an agent's stream to the server's
 * data-plane API) and the decisions are made by SQL over the manifest.
 *
 * <p>Decisions: a file is {@code UNCHANGED} when the job's last verified copy has the same size and
 * modification time and the destination still holds an object of that size; {@code CHECK} when only
 * the time differs and a SHA-256 is known (the transfer hashes the source and sends it only when
 * the content changed); {@code UNCHANGED} also when there is no record but the destination keeps
 * times and holds the same size and time; otherwise {@code COPY}. Unsafe paths, names the
 * destination cannot hold, and paths that could not be read are {@code REFUSE}d and reported as
 * failed. Symbolic links, named pipes, sockets and devices are skipped with the reason, or (links,
 * with {@code links=preserve}) marked {@code LINK} to be recreated; see {@link Links}.
 */
public final class ScanService {
  private final RunCatalog catalog;
  private final StorageResolver storage;

  public ScanService(RunCatalog catalog, StorageResolver storage) {
    this.catalog = catalog;
    this.storage = storage;
  }

  /**
   * Scans the run's source and destination. {@code heartbeat} receives the number of paths listed
   * so far, often.
   */
  public ScanResult scan(long runId, LongConsumer heartbeat) {
    RunRow run = catalog.run(runId);
    JobRow job = catalog.job(run.jobId());
    RunOptions options = catalog.options(runId);
    Filters filters = Filters.of(options);
    try (Storage source = storage.open(job.sourceUri(), options);
        Storage dest = storage.open(job.destUri(), options)) {
      source.requireRoot(); // a source that is not there is an error, not an empty migration
      Capabilities caps = dest.capabilities();
      if (options.preserveLinks() && !caps.links()) {
        throw new IllegalArgumentException(Links.preserveRefused(dest.describe()));
      }
      boolean dryRun = run.mode() == RunMode.DRY_RUN;
      Listing.Plan plan =
          new Listing.Plan(
              caps.preservesMtime(), dest.nameRules().caseInsensitive(), dest.nameRules().store());
      ScanResult result =
          catalog.recordListing(
              runId,
              plan,
              new Listing() {
                @Override
                public long source(Sink<Listing.SourceRow> rows) {
                  return listSource(source, dest, options, filters, dryRun, rows, heartbeat);
                }

                @Override
                public void destination(DestSink files) {
                  listDestination(dest, files, heartbeat);
                }
              });
      EngineMetrics.scanned(
          EngineMetrics.kind(job.sourceUri()), EngineMetrics.kind(job.destUri()), dryRun, result);
      return result;
    }
  }

  private static long listSource(
      Storage source,
      Storage dest,
      RunOptions options,
      Filters filters,
      boolean dryRun,
      Listing.Sink<Listing.SourceRow> rows,
      LongConsumer heartbeat) {
    AtomicLong seq = new AtomicLong();
    Names names = new Names(dest, options.remapNames());
    RowSink sink =
        (path, folder, size, mtime, action, outcome, reason, destPath) -> {
          rows.put(
              new Listing.SourceRow(path, folder, size, mtime, action, outcome, reason, destPath));
          if ((seq.incrementAndGet() & 1023) == 0) {
            heartbeat.accept(seq.get());
          }
        };
    Capabilities caps = dest.capabilities();
    source.list(
        options.followLinks(),
        e -> {
          String problem = SafePath.problem(e.path()).orElse(null);
          if (problem != null) {
            sink.put(
                safeForReport(e.path()),
                e.folder(),
                e.size(),
                e.mtimeMillis(),
                "REFUSE",
                "failed",
                "refused: " + problem,
                null);
            return;
          }
          if (!filters.accepts(e)) {
            return;
          }
          if (!e.isFile() && !e.folder()) {
            Links.Row row = Links.decide(e, options.preserveLinks(), names, dryRun);
            sink.put(
                e.path(),
                false,
                0,
                e.mtimeMillis(),
                row.action(),
                row.outcome(),
                row.reason(),
                row.destPath());
            return;
          }
          if (e.folder() && !caps.folders()) {
            sink.put(
                e.path(),
                true,
                0,
                e.mtimeMillis(),
                "NONE",
                "skipped",
                "the destination has no folders",
                null);
            return;
          }
          Names.Decision d = names.decide(e.path());
          if (d.refusal() != null) {
            sink.put(
                e.path(),
                e.folder(),
                e.size(),
                e.mtimeMillis(),
                "REFUSE",
                "failed",
                "refused: " + d.refusal(),
                null);
          } else {
            sink.put(
                e.path(),
                e.folder(),
                e.folder() ? 0 : e.size(),
                e.mtimeMillis(),
                e.folder() ? "MKDIR" : "COPY",
                dryRun ? "skipped" : null,
                dryRun ? dryRunReason(e.folder(), d.destPath()) : null,
                d.destPath());
          }
        },
        p -> sink.put(safeForReport(p.path()), false, 0, -1, "REFUSE", "failed", p.reason(), null));
    return names.remapped();
  }

  private static String dryRunReason(boolean folder, String destPath) {
    return (folder ? "dry run: would create the folder" : "dry run: would transfer")
        + (destPath == null ? "" : " as '" + destPath + "'");
  }

  private static String safeForReport(String path) {
    return path.replace('\0', '\uFFFD');
  }

  /** Lists the destination's files. */
  private static void listDestination(
      Storage dest, Listing.DestSink files, LongConsumer heartbeat) {
    AtomicLong n = new AtomicLong();
    dest.list(
        (Entry e) -> {
          if (!e.isFile()) { // folders, and links compared when a link is recreated
            return;
          }
          files.put(e.path(), e.size(), e.mtimeMillis());
          if ((n.incrementAndGet() & 1023) == 0) {
            heartbeat.accept(n.get());
          }
        },
        p -> {});
  }

  @FunctionalInterface
  private interface RowSink {
    void put(
        String path,
        boolean folder,
        long size,
        long mtime,
        String action,
        String outcome,
        String reason,
        String destPath);
  }
}
