package dev.ferry.activities.catalog;

import dev.ferry.workflows.JobState;
import dev.ferry.workflows.RunMode;
import java.time.Instant;
import java.util.UUID;

/**
 * A run as the catalog holds it, with its live counters. {@code filesDone} / {@code bytesDone}:
 * files transferred and their bytes; {@code filesFinished} / {@code bytesFinished}: files of the
 * {@code filesToCopy} that have an outcome (transferred, unchanged by content, or failed) and their
 * bytes. Found = done + unchanged + skipped + failed once the run has ended.
 */
public record RunRow(
    long id,
    UUID jobId,
    RunMode mode,
    JobState state,
    String workflowId,
    String message,
    Instant startedAt,
    Instant finishedAt,
    long filesTotal,
    long bytesTotal,
    long filesToCopy,
    long bytesToCopy,
    long filesDone,
    long bytesDone,
    long filesUnchanged,
    long filesSkipped,
    long filesFailed,
    long filesFinished,
    long bytesFinished) {}
