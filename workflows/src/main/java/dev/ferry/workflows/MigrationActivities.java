package dev.ferry.workflows;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * Activity interfaces of a migration, grouped by what they do. Implementations live in the
 * activities module; every one of them reads the job's source, destination and options from the
 * catalog by run id, so no secret or file list passes through Temporal.
 */
public final class MigrationActivities {
  private MigrationActivities() {}

  /** Failure types the workflow treats as final (the activity will not succeed by retrying). */
  public static final String CONFIG_ERROR = "FerryConfigError";

  public static final String ACCESS_DENIED = "FerryAccessDenied";
  public static final String NOT_FOUND = "FerryNotFound";

  /** Listing the source and deciding what to move. */
  @ActivityInterface
  public interface Scan {
    /**
     * Lists the source (filters applied) and the destination, streams both into the manifest and
     * decides per file: transfer, unchanged, or refused. Heartbeats while it runs.
     */
    @ActivityMethod
    ScanResult scan(long runId);
  }

  /** Cutting the manifest into batches. */
  @ActivityInterface
  public interface Plan {
    /**
     * Up to {@code max} batches of files still to transfer with sequence numbers above {@code
     * afterSeq}.
     */
    @ActivityMethod
    List<BatchRef> nextBatches(long runId, long afterSeq, int max);

    /** As {@link #nextBatches}, within a shard's range of the manifest. */
    @ActivityMethod
    List<BatchRef> nextBatchesIn(PlanRange range);
  }

  /** Splitting a large owner into shards along its folder tree. */
  @ActivityInterface
  public interface Shards {
    /**
     * After the scan: when the run's manifest holds more than the job's shard thresholds (or the
     * job names split points), puts the manifest in folder-tree order, cuts it into shards, records
     * them in the catalog and returns them; an empty list when the owner stays whole.
     */
    @ActivityMethod
    List<ShardRef> split(long runId);

    /** Records a shard's workflow, state and figures in the catalog. */
    @ActivityMethod
    void recordShard(ShardEnd shard);
  }

  /** Moving the bytes. */
  @ActivityInterface
  public interface Transfer {
    /**
     * Copies, hashes, verifies and records every pending file of the batch with at most {@code
     * limits.concurrency()} streams for the whole run. Heartbeats; on cancellation stops within
     * seconds and returns what was done with {@code complete == false}.
     */
    @ActivityMethod
    BatchResult transferBatch(BatchRef batch, Limits limits);
  }

  /** Bookkeeping in the catalog. */
  @ActivityInterface
  public interface Catalog {
    /** Records the run's state (and, when it failed, the reason). */
    @ActivityMethod
    void setState(long runId, JobState state, String message);

    /**
     * Ends the run: removes folders left empty by delete-source when asked, records the state and
     * returns the final counts as the catalog has them (the truth, file by file).
     */
    @ActivityMethod
    Progress finish(long runId, Progress progress);

    /**
     * Records the run's end in the catalog and nothing else: run by {@code ferry server} for a
     * cancelled run whose agent does not answer, so that the cancel does not wait for a machine
     * that may never come back (the agent-side finish, which may tidy the agent's folders, is not
     * run). The note, when given, becomes the run's message.
     */
    @ActivityMethod
    Progress recordEnd(RecordEnd end);
  }

  /** {@link Catalog#recordEnd}'s input: the run, its last figures and state, the run's message. */
  public record RecordEnd(long runId, Progress progress, String note) {}
}
