package dev.ferry.workflows;

/**
 * Counts of one finished (or stopped) transfer batch. Per-file outcomes are in the manifest.
 *
 * @param transferred files copied and verified
 * @param bytesTransferred their bytes
 * @param unchanged files found equal (hash check) and not sent
 * @param skipped files skipped
 * @param failed files that failed after their last attempt
 * @param complete false when the batch stopped early (pause or cancel) with files left
 */
public record BatchResult(
    long transferred,
    long bytesTransferred,
    long unchanged,
    long skipped,
    long failed,
    boolean complete) {}
