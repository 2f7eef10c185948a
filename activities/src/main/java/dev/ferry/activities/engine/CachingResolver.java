package dev.ferry.activities.engine;

import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Keeps one connector per location for the life of the worker, so batches share an S3 client and
 * its connection pool instead of building one per batch. The connectors handed out ignore {@code
 * close()}; {@link #close()} closes them all.
 */
public final class CachingResolver implements StorageResolver, AutoCloseable {
  private final StorageResolver delegate;
  private final ConcurrentHashMap<String, Storage> open = new ConcurrentHashMap<>();

  public CachingResolver(StorageResolver delegate) {
    this.delegate = delegate;
  }

  @Override
  public Storage open(String location, RunOptions options) {
    String key = location + "\n" + Objects.toString(options.s3Endpoint(), "");
    return new Shared(open.computeIfAbsent(key, k -> delegate.open(location, options)));
  }

  @Override
  public void close() {
    open.values().forEach(Storage::close);
    open.clear();
  }

  /** A shared connector whose close() is left to the cache. */
  private record Shared(Storage s) implements Storage {
    @Override
    public Capabilities capabilities() {
      return s.capabilities();
    }

    @Override
    public dev.ferry.activities.storage.NameRules nameRules() {
      return s.nameRules();
    }

    @Override
    public String describe() {
      return s.describe();
    }

    @Override
    public void list(Consumer<Entry> sink, Consumer<ListingProblem> problems) {
      s.list(sink, problems);
    }

    @Override
    public void list(boolean followLinks, Consumer<Entry> sink, Consumer<ListingProblem> problems) {
      s.list(followLinks, sink, problems);
    }

    @Override
    public void list(
        Consumer<Entry> sink,
        Consumer<ListingProblem> problems,
        java.util.function.BiConsumer<String, dev.ferry.activities.storage.NativeHash> hashes) {
      s.list(sink, problems, hashes);
    }

    @Override
    public Optional<String> readLink(String path) {
      return s.readLink(path);
    }

    @Override
    public void writeLink(String path, String target) {
      s.writeLink(path, target);
    }

    @Override
    public boolean resolvesInsideRoot(String path) {
      return s.resolvesInsideRoot(path);
    }

    @Override
    public void requireRoot() {
      s.requireRoot();
    }

    @Override
    public Optional<Entry> stat(String path) {
      return s.stat(path);
    }

    @Override
    public InputStream open(String path) {
      return s.open(path);
    }

    @Override
    public Opened openWithTime(String path) {
      return s.openWithTime(path);
    }

    @Override
    public Written write(String path, Entry source, InputStream data, WriteOptions options) {
      return s.write(path, source, data, options);
    }

    @Override
    public void mkdirs(String path) {
      s.mkdirs(path);
    }

    @Override
    public void delete(String path) {
      s.delete(path);
    }

    @Override
    public void close() {
      // shared: closed by the cache
    }
  }
}
