package dev.ferry.activities.catalog;

import java.util.UUID;

/**
 * One owner of a job: a source sub-path copied to a destination sub-path, with its own manifest.
 * Seq 0 is the implicit owner (the whole source) of a job that lists none.
 *
 * @param id the owner's own catalog job (its runs and manifest hang off it)
 * @param name the owner's name, or null
 * @param sourcePath below the job's source path
 * @param destPath below the job's destination path
 */
public record OwnerRow(
    UUID id, UUID jobId, int seq, String name, String sourcePath, String destPath) {
  public boolean implicit() {
    return seq == 0;
  }
}
