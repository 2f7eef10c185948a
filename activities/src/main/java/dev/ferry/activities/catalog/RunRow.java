package dev.ferry.activities.catalog;

import dev.ferry.workflows.JobState;
import dev.ferry.workflows.RunMode;
import java.time.Instant;
import java.util.UUID;

/** A run as the catalog holds it, with its live counters. */
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
    long filesFailed) {}
