package dev.ferry.workflows;

/** What a run does: scan only, copy everything, or copy only what changed since the last run. */
public enum RunMode {
  DRY_RUN,
  FULL,
  INCREMENTAL
}
