package dev.ferry.workflows;

/**
 * What a shard's workflow records of itself in the catalog: its state and figures.
 *
 * @param runId the owner's run
 * @param index the shard's number
 * @param workflowId the shard's workflow id
 * @param progress its figures and state
 */
public record ShardEnd(long runId, int index, String workflowId, Progress progress) {}
