package dev.ferry.activities.catalog;

import dev.ferry.workflows.RunMode;
import java.time.Instant;
import java.util.UUID;

/**
 * One run of an API job with the figures of its owners' runs added up (live while it runs: the
 * transfer activities flush them every second).
 *
 * @param state the job run's state (see {@code job_run_state} in V4__service.sql)
 * @param finishedAt when the last owner run ended, or null while any is active
 */
public record JobRunRow(
    long id,
    UUID jobId,
    RunMode mode,
    String state,
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
