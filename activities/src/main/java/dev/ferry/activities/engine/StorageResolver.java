package dev.ferry.activities.engine;

import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.storage.Storage;

/**
 * Opens the storage a location names. The one place that turns a job's location (a URI without
 * secrets) into a connector, resolving credentials from the environment or the catalog.
 */
@FunctionalInterface
public interface StorageResolver {
  Storage open(String location, RunOptions options);
}
