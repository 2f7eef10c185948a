package dev.ferry.activities.catalog;

/** One line of a run's report. */
public record ReportRow(
    String path,
    long size,
    String outcome,
    String reason,
    String sha256,
    String verifiedBy,
    int attempts) {}
