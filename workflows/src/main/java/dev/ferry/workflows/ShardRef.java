package dev.ferry.workflows;

/**
 * One shard of a large owner: a range of the owner run's manifest, cut along its folder tree, that
 * a child {@link MigrationWorkflow} transfers on its own. Numbers only: the paths stay in the
 * catalog (which records each shard's first and last path for the report).
 *
 * @param index the shard's number, from 1
 * @param count how many shards the owner was split into
 * @param fromSeq exclusive lower bound of the shard's manifest rows
 * @param toSeq inclusive upper bound
 * @param files files of the shard (after filters, whatever their outcome)
 * @param bytes their total size
 * @param filesToTransfer files of the shard the scan found new or changed
 * @param bytesToTransfer their total size
 * @param firstPath the shard's first path in folder-tree order (for the Temporal UI's summary of
 *     the shard's workflow; null in a shard's own input, which carries numbers only)
 * @param lastPath its last path, likewise
 */
public record ShardRef(
    int index,
    int count,
    long fromSeq,
    long toSeq,
    long files,
    long bytes,
    long filesToTransfer,
    long bytesToTransfer,
    String firstPath,
    String lastPath) {

  /** The same shard without its paths: what a shard's workflow input carries. */
  public ShardRef numbersOnly() {
    return new ShardRef(
        index, count, fromSeq, toSeq, files, bytes, filesToTransfer, bytesToTransfer, null, null);
  }
}
