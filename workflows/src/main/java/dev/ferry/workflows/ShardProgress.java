package dev.ferry.workflows;

/**
 * What a shard of a large owner has done so far, sent by the shard's workflow to its owner's
 * ({@link MigrationWorkflow#shardProgress}) as its batches report theirs, so that the owner's
 * {@code progress} query and current details move while its shards run, not only when one ends.
 * Figures only, never a file name.
 *
 * @param index the shard's index (1 to its count)
 * @param soFar the shard's figures so far: its batches ended and in flight ({@link
 *     BatchResult#complete()} is false)
 */
public record ShardProgress(int index, BatchResult soFar) {}
