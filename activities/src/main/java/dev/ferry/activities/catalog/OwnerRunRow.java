package dev.ferry.activities.catalog;

/**
 * One owner's run inside a job run, with the owner it belongs to.
 *
 * @param items files and folders the scan found (what the split advice counts)
 */
public record OwnerRunRow(OwnerRow owner, RunRow run, long items) {}
