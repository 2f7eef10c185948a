package dev.ferry.activities.temporal;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.workflows.BatchRef;
import dev.ferry.workflows.MigrationActivities;
import dev.ferry.workflows.PlanRange;
import java.util.List;

/** Cuts the manifest into batches: up to 1,000 files or 1 GiB each; a larger file goes alone. */
public final class PlanActivityImpl implements MigrationActivities.Plan {
  static final int MAX_FILES = 1000;
  static final long MAX_BYTES = 1L << 30;

  private final Catalog catalog;

  public PlanActivityImpl(Catalog catalog) {
    this.catalog = catalog;
  }

  @Override
  public List<BatchRef> nextBatches(long runId, long afterSeq, int max) {
    return KeepAlive.call(() -> catalog.nextBatches(runId, afterSeq, max, MAX_FILES, MAX_BYTES));
  }

  @Override
  public List<BatchRef> nextBatchesIn(PlanRange r) {
    return catalog.nextBatches(r.runId(), r.afterSeq(), r.toSeq(), r.max(), MAX_FILES, MAX_BYTES);
  }
}
