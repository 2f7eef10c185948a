package dev.ferry.workflows;

/**
 * A range of a run's manifest to transfer: rows with {@code fromSeq < seq <= toSeq}.
 *
 * @param runId the run
 * @param fromSeq exclusive lower bound
 * @param toSeq inclusive upper bound
 * @param files files to move in the range
 * @param bytes bytes to move in the range
 */
public record BatchRef(long runId, long fromSeq, long toSeq, long files, long bytes) {}
