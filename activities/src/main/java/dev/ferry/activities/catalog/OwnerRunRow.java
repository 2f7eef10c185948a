package dev.ferry.activities.catalog;

/**
 * One owner's run inside a job run, with the owner it belongs to.
 *
 * @param items files and folders the scan found (what the split advice counts), -1 when not counted
 * @param state the owner's state in words (see {@link JobRuns#OWNER_STATES})
 * @param light its traffic light once it has ended ({@link JobRuns#OWNER_LIGHTS}), else null
 */
public record OwnerRunRow(OwnerRow owner, RunRow run, long items, String state, String light) {}
