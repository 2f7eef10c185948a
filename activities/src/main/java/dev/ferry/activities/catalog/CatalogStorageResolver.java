package dev.ferry.activities.catalog;

import dev.ferry.activities.engine.StorageResolver;
import dev.ferry.activities.storage.Locations;
import dev.ferry.activities.storage.Storage;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Opens the storage of a job's location at activity time. A {@code connection:<uuid>/<path>}
 * location is resolved by id — the connection's kind, settings and decrypted secret come from
 * {@code connections} (the catalog on the server; on an agent, the secrets shared with it) — and
 * handed to the kind's connector with explicit credentials. Every other location goes to {@code
 * fallback} ({@link Locations} by default).
 *
 * <p>Connectors are kept for the life of the worker, one per location and version of the connection
 * (kind, settings and secret): batches share an S3 client and its connection pool, and a changed
 * secret takes effect at the next batch. The connectors handed out ignore {@code close()}; {@link
 * #close()} closes them all. Thread-safe.
 */
public final class CatalogStorageResolver implements StorageResolver, AutoCloseable {
  private final Function<UUID, ResolvedConnection> connections;
  private final ConnectionKinds kinds;
  private final StorageResolver fallback;
  private final ConcurrentHashMap<String, Storage> open = new ConcurrentHashMap<>();

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
    String key = loc.get().uri() + "#" + version(c);
    Storage s =
        open.computeIfAbsent(key, k -> kind.open(c.settings(), c.secret(), loc.get().path()));
    return shared(s);
  }

  /** A digest of what the connector was built from, so a changed connection builds a new one. */
  private static String version(ResolvedConnection c) {
    return Hashing.sha256(
        c.kind() + "\n" + new TreeMap<>(c.settings()) + "\n" + digest(c.secret()));
  }

  private static String digest(Map<String, String> secret) {
    return Hashing.sha256(new TreeMap<>(secret).toString());
  }

  private static Storage shared(Storage s) {
    return (Storage)
        Proxy.newProxyInstance(
            Storage.class.getClassLoader(),
            new Class<?>[] {Storage.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close") && method.getParameterCount() == 0) {
                return null; // shared: closed with the resolver
              }
              try {
                return method.invoke(s, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Override
  public void close() {
    open.values().forEach(Storage::close);
    open.clear();
  }
}
