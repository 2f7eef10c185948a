package dev.ferry.activities.catalog;

import java.util.List;

/**
 * One owner's run inside a job run, with the owner it belongs to.
 *
 * @param items files and folders the scan found (what the split advice counts), -1 when not counted
 * @param state the owner's state in words (see {@link JobRuns#OWNER_STATES})
 * @param light its traffic light once it has ended ({@link JobRuns#OWNER_LIGHTS}), else null
 * @param reruns the automatic reruns of the owner's run, oldest first (filled by {@link
 *     JobRuns#withReruns}; empty otherwise)
 */
public record OwnerRunRow(
    OwnerRow owner,
    RunRow run,
    long items,
    String state,
    String light,
    List<JobRuns.RerunRow> reruns) {
  public OwnerRunRow(OwnerRow owner, RunRow run, long items, String state, String light) {
    this(owner, run, items, state, light, List.of());
  }
}
