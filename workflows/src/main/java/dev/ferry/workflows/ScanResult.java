package dev.ferry.workflows;

/**
 * What a scan found, as counts only: the file list itself stays in the manifest.
 *
 * @param files files found after filters, refused ones included (found = transferred + unchanged +
 *     skipped + failed once the run has ended)
 * @param bytes their total size
 * @param filesToTransfer new or changed files
 * @param bytesToTransfer their total size
 * @param unchanged files already equal at the destination
 * @param skipped files skipped (refused names, excluded problems)
 * @param failed paths that could not be read or are unsafe
 * @param lastSeq the highest manifest sequence number of this run
 */
public record ScanResult(
    long files,
    long bytes,
    long filesToTransfer,
    long bytesToTransfer,
    long unchanged,
    long skipped,
    long failed,
    long lastSeq) {}
