package dev.ferry.activities.catalog;

/**
 * One line of a run's report.
 *
 * @param bytesSent bytes of the file the destination accepted in this run, over all attempts (parts
 *     kept from an interrupted upload are not counted); null when nothing was written
 */
public record ReportRow(
    String path,
    long size,
    String outcome,
    String reason,
    String sha256,
    String verifiedBy,
    int attempts,
    Long bytesSent) {}
