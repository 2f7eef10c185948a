package dev.ferry.activities.catalog;

import dev.ferry.activities.engine.StorageResolver;
import dev.ferry.activities.storage.Locations;
import dev.ferry.activities.storage.Storage;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Opens the storage of a job's location at activity time. A {@code connection:<uuid>/<path>}
 * location is resolved by id — the connection's kind, settings and decrypted secret come from
 * {@code connections} (the catalog on the server, the server's API on an agent) — and handed to the
 * kind's connector with explicit credentials. Every other location goes to {@link Locations}.
 */
public final class CatalogStorageResolver implements StorageResolver {
  private final Function<UUID, ResolvedConnection> connections;
  private final ConnectionKinds kinds;
  private final StorageResolver fallback;

  public CatalogStorageResolver(
      Function<UUID, ResolvedConnection> connections, ConnectionKinds kinds) {
    this(connections, kinds, new Locations());
  }

  public CatalogStorageResolver(
      Function<UUID, ResolvedConnection> connections,
      ConnectionKinds kinds,
      StorageResolver fallback) {
    this.connections = connections;
    this.kinds = kinds;
    this.fallback = fallback;
  }

  @Override
  public Storage open(String location, RunOptions options) {
    Optional<ConnectionLocation> loc = ConnectionLocation.parse(location);
    if (loc.isEmpty()) {
      return fallback.open(location, options);
    }
    ResolvedConnection c = connections.apply(loc.get().connectionId());
    ConnectionKind kind =
        kinds
            .find(c.kind())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "connection "
                            + c.id()
                            + " is of kind '"
                            + c.kind()
                            + "', which this worker does not support (supported: "
                            + String.join(", ", kinds.names())
                            + ")"));
    return kind.open(c.settings(), c.secret(), loc.get().path());
  }
}
