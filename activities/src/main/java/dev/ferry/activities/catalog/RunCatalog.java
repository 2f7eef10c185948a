package dev.ferry.activities.catalog;

import dev.ferry.workflows.JobState;
import dev.ferry.workflows.Progress;
import dev.ferry.workflows.ScanResult;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What the activities that touch the storage — scan, transfer and the finish that may remove source
 * folders ({@link dev.ferry.activities.engine.ScanService}, {@link
 * dev.ferry.activities.engine.TransferService}, {@link dev.ferry.activities.engine.FinishService})
 * — read and write of the catalog, and nothing more. On the server and in {@code ferry migrate} it
 * is the {@link Catalog} (PostgreSQL); on an agent it is the server's data-plane API ({@code
 * /api/v1/agent/…}), so an agent holds no database login. Big things travel in bulk: a scan's
 * listing as one stream ({@link #recordListing}), a batch's pending files in one call, outcomes in
 * batches ({@link OutcomeBuffer}).
 */
public interface RunCatalog {
  RunRow run(long runId);

  JobRow job(UUID id);

  UUID jobOf(long runId);

  RunOptions options(long runId);

  /**
   * Replaces a run's listing with the one {@code listing} writes (source, then destination),
   * decides per path what the run has to do, records the scan's totals on the run and returns them.
   * All or nothing: a listing that fails leaves the run's previous listing in place.
   */
  ScanResult recordListing(long runId, Listing.Plan plan, Listing listing);

  /** Files of a batch that have no outcome yet. */
  List<FileRow> pendingFiles(long runId, long fromSeq, long toSeq);

  /** Records many files' outcomes at once, and the verified ones in the job's manifest. */
  void recordOutcomes(long runId, List<OutcomeBuffer.Outcome> outcomes);

  /** Records one batch's work in flight (see {@link Catalog#setInFlight}). */
  void setInFlight(long runId, long batchFrom, long bytes, String file);

  Optional<String> uploadState(UUID jobId, String path);

  void saveUploadState(UUID jobId, String path, String state);

  void clearUploadState(UUID jobId, String path);

  void event(long runId, String path, String event, String detail);

  void noteRetry(long runId, String note);

  void clearRetryNote(long runId);

  /** The run's folders, deepest first (those a delete-source run may have emptied). */
  List<String> folders(long runId);

  /** Final figures, counted file by file from the manifest, and the run marked as ended. */
  Progress finish(long runId, JobState state, String message);

  /** Records the run's state; the server's own activity (never sent to an agent's queue). */
  void setState(long runId, JobState state, String message);

  /** Records the workflow of a run unless one is recorded already (with {@link #setState}). */
  void recordWorkflowId(long runId, String workflowId);
}
