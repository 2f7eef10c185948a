package dev.ferry.activities.temporal;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.RunShards;
import dev.ferry.activities.engine.Splitter;
import dev.ferry.workflows.MigrationActivities;
import dev.ferry.workflows.ShardEnd;
import dev.ferry.workflows.ShardRef;
import java.util.ArrayList;
import java.util.List;

/** Splits large owners into shards and records the shards' ends, in the catalog. */
public final class ShardsActivityImpl implements MigrationActivities.Shards {
  private final Catalog catalog;
  private final RunShards shards;

  public ShardsActivityImpl(Catalog catalog) {
    this.catalog = catalog;
    this.shards = new RunShards(catalog.jdbi());
  }

  @Override
  public List<ShardRef> split(long runId) {
    List<Splitter.Shard> cut = shards.split(runId, catalog.options(runId).shards());
    if (cut.size() < 2) {
      return List.of(); // not split, or one folder that cannot be cut: the owner runs whole
    }
    List<ShardRef> out = new ArrayList<>();
    for (int i = 0; i < cut.size(); i++) {
      Splitter.Shard s = cut.get(i);
      out.add(
          new ShardRef(
              i + 1,
              cut.size(),
              s.fromSeq(),
              s.toSeq(),
              s.files(),
              s.bytes(),
              s.filesToTransfer(),
              s.bytesToTransfer(),
              shorten(s.firstPath()),
              shorten(s.lastPath())));
    }
    return out;
  }

  /** A path for a workflow's summary: long ones keep their start and end. */
  private static String shorten(String p) {
    return p == null || p.length() <= 120
        ? p
        : p.substring(0, 58) + "…" + p.substring(p.length() - 58);
  }

  @Override
  public void recordShard(ShardEnd s) {
    shards.record(s.runId(), s.index(), s.workflowId(), s.progress());
  }
}
