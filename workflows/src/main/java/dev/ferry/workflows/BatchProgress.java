package dev.ferry.workflows;

/**
 * What a transfer batch has done so far, sent by the batch's activity to its run's workflow every
 * few seconds ({@link MigrationWorkflow#batchProgress}) so that the workflow's {@code progress}
 * query and current details move while a batch of up to 1,000 files runs, not only when it ends.
 * Figures only, never a file name.
 *
 * @param fromSeq the batch's first manifest row (exclusive), which names it within its run
 * @param soFar the batch's figures so far ({@link BatchResult#complete()} is false); its bytes
 *     include those read of the files in flight
 */
public record BatchProgress(long fromSeq, BatchResult soFar) {}
