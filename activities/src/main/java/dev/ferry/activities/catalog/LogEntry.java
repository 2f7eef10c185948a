package dev.ferry.activities.catalog;

import java.time.Instant;

/**
 * One line of a run log: a file's outcome ({@code transferred}, {@code unchanged}, {@code skipped},
 * {@code failed}) or an event ({@code retry}, {@code deleted}, {@code kept}, ...).
 *
 * @param owner the owner's name, or null for the implicit owner
 * @param path path relative to the job's source path
 * @param size bytes, or null for an event
 * @param attempts attempts used, or null for an event
 */
public record LogEntry(
    Instant at,
    String owner,
    String path,
    String outcome,
    String detail,
    Long size,
    Integer attempts) {}
