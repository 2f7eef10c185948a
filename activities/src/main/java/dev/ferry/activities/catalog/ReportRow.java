package dev.ferry.activities.catalog;

/**
 * One line of a run's report.
 *
 * @param bytesSent bytes of the file the destination accepted in this run, over all attempts (parts
 *     kept from an interrupted upload are not counted); null when nothing was written
 * @param destPath the name the file was given at the destination when the destination refuses
 *     {@code path} and the job remaps names; null when it is {@code path}
 * @param destSize for an {@code altered} file, the size the destination holds (else null)
 * @param destHash the hash the destination reported for the stored file, if any
 * @param sentHash for an {@code altered} file, the store's native hash of the bytes sent (else
 *     null)
 */
public record ReportRow(
    String path,
    long size,
    String outcome,
    String reason,
    String sha256,
    String verifiedBy,
    int attempts,
    Long bytesSent,
    String destPath,
    Long destSize,
    String destHash,
    String sentHash) {}
