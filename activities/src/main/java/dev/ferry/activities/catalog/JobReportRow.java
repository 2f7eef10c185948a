package dev.ferry.activities.catalog;

/**
 * One file of a job run's report.
 *
 * @param owner the owner's name, or null for the implicit owner
 * @param path path relative to the job's source path
 * @param destinationPath the name the file was given, relative to the job's destination path, when
 *     the destination refuses its own name and the job remaps names; null otherwise
 */
public record JobReportRow(
    String owner,
    String path,
    long size,
    String outcome,
    String reason,
    String sha256,
    String verifiedBy,
    int attempts,
    String destinationPath,
    Long destinationSize,
    String destinationHash,
    String sentHash) {}
