package dev.ferry.workflows;

/**
 * What {@link MigrationActivities.Plan#nextBatchesIn} plans: up to {@code max} batches of files
 * still to transfer with {@code afterSeq < seq <= toSeq} (a shard's rows).
 */
public record PlanRange(long runId, long afterSeq, long toSeq, int max) {}
