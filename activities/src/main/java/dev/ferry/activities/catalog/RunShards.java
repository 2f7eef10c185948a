package dev.ferry.activities.catalog;

import dev.ferry.activities.engine.Splitter;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.Progress;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** The shards of large owners' runs in the catalog ({@code run_shards}). */
public final class RunShards {
  private final Jdbi jdbi;

  public RunShards(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /**
   * One shard as recorded.
   *
   * @param state the shard's state as its workflow recorded it ({@code CREATED} until it starts)
   */
  public record ShardRow(
      long runId,
      int shard,
      int count,
      long fromSeq,
      long toSeq,
      long items,
      long files,
      long bytes,
      long filesToCopy,
      long bytesToCopy,
      String firstPath,
      String lastPath,
      boolean overThreshold,
      JobState state,
      String workflowId,
      long filesDone,
      long bytesDone,
      long filesFailed) {}

  /**
   * Splits the run's manifest when it is larger than {@code options} allow (or names split points):
   * renumbers its rows in folder-tree order (above the highest number it had, so no two rows ever
   * share one), cuts it with a {@link Splitter} and records the shards, replacing any recorded
   * before (a retried activity). One transaction. Returns the shards; none when the run is not
   * split. A run that cannot be cut (one folder's files) keeps one shard, over its thresholds.
   */
  public List<Splitter.Shard> split(long runId, ShardOptions options) {
    return jdbi.inTransaction(
        h -> {
          h.execute("delete from run_shards where run_id = ?", runId);
          long[] size =
              h.createQuery(
                      "select count(*), coalesce(sum(size) filter (where not folder), 0),"
                          + " coalesce(max(seq), 0) from run_files where run_id = ?")
                  .bind(0, runId)
                  .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)})
                  .one();
          if (size[0] == 0 || !Splitter.splits(options, size[0], size[1])) {
            return List.of();
          }
          long base = size[2];
          h.execute(
              """
              update run_files f set seq = ? + o.n
              from (select seq, row_number() over (
                      order by replace(path, '/', chr(1)) collate "C") as n
                    from run_files where run_id = ?) o
              where f.run_id = ? and f.seq = o.seq""",
              base,
              runId,
              runId);
          Splitter splitter = new Splitter(options, size[0], size[1], base);
          h.createQuery(
                  """
                  select seq, path, folder, size, outcome is null and not folder
                  from run_files where run_id = ? order by seq""")
              .bind(0, runId)
              .setFetchSize(5000)
              .map(
                  (rs, ctx) ->
                      new Splitter.Row(
                          rs.getLong(1),
                          rs.getString(2),
                          rs.getBoolean(3),
                          rs.getLong(4),
                          rs.getBoolean(5)))
              .useStream(rows -> rows.forEach(splitter::add));
          List<Splitter.Shard> shards = splitter.shards();
          var insert =
              h.prepareBatch(
                  """
                  insert into run_shards(run_id, shard, shard_count, from_seq, to_seq, items, files,
                    bytes, files_to_copy, bytes_to_copy, first_path, last_path, over_threshold)
                  values (:run, :shard, :count, :from, :to, :items, :files, :bytes, :filesToCopy,
                    :bytesToCopy, :first, :last, :over)""");
          for (int i = 0; i < shards.size(); i++) {
            Splitter.Shard s = shards.get(i);
            insert
                .bind("run", runId)
                .bind("shard", i + 1)
                .bind("count", shards.size())
                .bind("from", s.fromSeq())
                .bind("to", s.toSeq())
                .bind("items", s.items())
                .bind("files", s.files())
                .bind("bytes", s.bytes())
                .bind("filesToCopy", s.filesToTransfer())
                .bind("bytesToCopy", s.bytesToTransfer())
                .bind("first", s.firstPath())
                .bind("last", s.lastPath())
                .bind("over", s.overThreshold())
                .add();
          }
          insert.execute();
          return shards;
        });
  }

  /** Records a shard's workflow, state and figures. */
  public void record(long runId, int shard, String workflowId, Progress p) {
    jdbi.useHandle(
        h ->
            h.execute(
                """
                update run_shards set workflow_id = ?, state = ?, files_done = ?, bytes_done = ?,
                  files_failed = ?
                where run_id = ? and shard = ?""",
                workflowId,
                p.state().name(),
                p.filesTransferred(),
                p.bytesTransferred(),
                p.filesFailed(),
                runId,
                shard));
  }

  /** The shards of a run, in order; none when it was not split. */
  public List<ShardRow> of(long runId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from run_shards where run_id = ? order by shard")
                .bind(0, runId)
                .map(
                    (rs, ctx) ->
                        new ShardRow(
                            rs.getLong("run_id"),
                            rs.getInt("shard"),
                            rs.getInt("shard_count"),
                            rs.getLong("from_seq"),
                            rs.getLong("to_seq"),
                            rs.getLong("items"),
                            rs.getLong("files"),
                            rs.getLong("bytes"),
                            rs.getLong("files_to_copy"),
                            rs.getLong("bytes_to_copy"),
                            rs.getString("first_path"),
                            rs.getString("last_path"),
                            rs.getBoolean("over_threshold"),
                            JobState.valueOf(rs.getString("state")),
                            rs.getString("workflow_id"),
                            rs.getLong("files_done"),
                            rs.getLong("bytes_done"),
                            rs.getLong("files_failed")))
                .list());
  }
}
