package dev.ferry.activities.engine;

import dev.ferry.activities.catalog.JobRow;
import dev.ferry.activities.catalog.RunCatalog;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.Progress;
import java.util.List;

/**
 * Ends a run: with delete-source and remove-empty-dirs, removes source folders that the run emptied
 * (deepest first, never the root, never a folder that still holds anything), then records the final
 * state and counts.
 */
public final class FinishService {
  private final RunCatalog catalog;
  private final StorageResolver storage;

  public FinishService(RunCatalog catalog, StorageResolver storage) {
    this.catalog = catalog;
    this.storage = storage;
  }

  public Progress finish(long runId, JobState state, String message) {
    RunOptions options = catalog.options(runId);
    if (options.deleteSource() && options.removeEmptyDirs() && state != JobState.READY) {
      removeEmptiedFolders(runId, options);
    }
    return catalog.finish(runId, state, message);
  }

  private void removeEmptiedFolders(long runId, RunOptions options) {
    JobRow job = catalog.job(catalog.jobOf(runId));
    List<String> folders = catalog.folders(runId);
    try (Storage source = storage.open(job.sourceUri(), options)) {
      if (!source.capabilities().folders()) {
        return;
      }
      for (String folder : folders) {
        try {
          // A folder that still holds anything refuses deletion (Permanent): it is kept.
          if (source.stat(folder).isPresent()) {
            source.delete(folder);
            catalog.event(runId, folder, "deleted", "empty source folder removed");
          }
        } catch (StorageException e) {
          catalog.event(runId, folder, "kept", "source folder not removed: " + e.getMessage());
        }
      }
    }
  }
}
