package dev.ferry.activities.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.local.LocalStorage;
import dev.ferry.activities.testing.TestDatabase;
import dev.ferry.workflows.BatchRef;
import dev.ferry.workflows.BatchResult;
import dev.ferry.workflows.Limits;
import dev.ferry.workflows.RunMode;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transfer engine on its own: real files, the real catalog database, no Temporal. */
class TransferServiceTest {
  static TestDatabase db;
  static Catalog catalog;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    db = new TestDatabase();
    catalog = db.catalog();
  }

  @AfterAll
  static void down() throws Exception {
    db.close();
  }

  /** Touches a source file while the engine reads it: the first {@code times} opens change it. */
  static class ChangingSource implements Storage {
    final LocalStorage local;
    final AtomicInteger changesLeft;

    ChangingSource(Path root, int times) {
      local = new LocalStorage(root);
      changesLeft = new AtomicInteger(times);
    }

    @Override
    public Opened openWithTime(String path) {
      InputStream in = local.open(path);
      if (changesLeft.getAndDecrement() <= 0) {
        return new Opened(in, -1);
      }
      Path file = local.root().resolve(path);
      return new Opened(
          new FilterInputStream(in) {
            boolean changed;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
              int n = super.read(b, off, len);
              if (!changed) {
                changed = true; // someone appends to the file while Ferry copies it
                Files.write(file, "more".getBytes(), StandardOpenOption.APPEND);
                Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
              }
              return n;
            }
          },
          -1);
    }

    @Override
    public Capabilities capabilities() {
      return local.capabilities();
    }

    @Override
    public String describe() {
      return local.describe();
    }

    @Override
    public void list(Consumer<Entry> sink, Consumer<ListingProblem> problems) {
      local.list(sink, problems);
    }

    @Override
    public Optional<Entry> stat(String path) {
      return local.stat(path);
    }

    @Override
    public InputStream open(String path) {
      return openWithTime(path).stream();
    }

    @Override
    public Written write(String path, Entry source, InputStream data, WriteOptions options) {
      return local.write(path, source, data, options);
    }

    @Override
    public void mkdirs(String path) {
      local.mkdirs(path);
    }

    @Override
    public void delete(String path) {
      local.delete(path);
    }
  }

  long scannedRun(Path src, Path dst, RunOptions options, StorageResolver resolver) {
    UUID job = catalog.findOrCreateJob("t", src.toUri().toString(), dst.toUri().toString());
    long run = catalog.createRun(job, RunMode.FULL, options);
    new ScanService(catalog, resolver).scan(run, n -> {});
    return run;
  }

  static StorageResolver resolver(Path src, Storage source) {
    return (location, options) ->
        location.equals(src.toUri().toString())
            ? source
            : new LocalStorage(Path.of(java.net.URI.create(location)));
  }

  BatchResult transferAll(long run, Limits limits, StorageResolver resolver, AtomicBoolean stop) {
    List<BatchRef> batches = catalog.nextBatches(run, 0, 100, 1000, 1L << 30);
    assertThat(batches).hasSize(1);
    return new TransferService(catalog, resolver, Duration.ofMillis(10))
        .transfer(batches.getFirst(), limits, new TransferService.Meter(), stop::get);
  }

  static long transferred(long run) {
    return catalog
        .jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "select count(*) from run_files where run_id = ? and outcome = 'transferred'")
                    .bind(0, run)
                    .mapTo(Long.class)
                    .one());
  }

  static void file(Path p, int size, long seed) throws IOException {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    Files.createDirectories(p.getParent());
    Files.write(p, b);
  }

  @Test
  void progressCountsEveryByteOnceWhenABatchIsTriedAgainAfterACrash() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int i = 0; i < 3; i++) {
      file(src.resolve("small" + i + ".bin"), 256 << 10, 10 + i);
    }
    file(src.resolve("big.bin"), 8 << 20, 20);
    long total = 3 * (256 << 10) + (8 << 20);
    AtomicBoolean stop = new AtomicBoolean();
    TransferService.Meter first = new TransferService.Meter();
    long[] runHolder = {0};
    List<BatchRef> batchHolder = new java.util.ArrayList<>();
    AtomicBoolean crashed = new AtomicBoolean();
    // the first attempt "dies" once it has read 2 MiB of big.bin: its last heartbeat's figures
    // stay in the catalog, as after a killed worker, and nothing of the attempt is cleaned up
    ChangingSource source =
        new ChangingSource(src, 0) {
          @Override
          public Opened openWithTime(String path) {
            InputStream in = local.open(path);
            if (!path.equals("big.bin") || crashed.get()) {
              return new Opened(in, -1);
            }
            return new Opened(
                new FilterInputStream(in) {
                  long read;

                  @Override
                  public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    read += Math.max(0, n);
                    if (read >= 2 << 20 && !crashed.getAndSet(true)) {
                      first.flush(catalog, runHolder[0], batchHolder.getFirst().fromSeq());
                      stop.set(true);
                    }
                    return n;
                  }
                },
                -1);
          }
        };
    StorageResolver r = resolver(src, source);
    long run = scannedRun(src, dst, RunOptions.defaults(), r);
    runHolder[0] = run;
    List<BatchRef> batches = catalog.nextBatches(run, 0, 100, 1000, 1L << 30);
    assertThat(batches).hasSize(1);
    batchHolder.add(batches.getFirst());
    TransferService engine = new TransferService(catalog, r, Duration.ofMillis(10));
    engine.transfer(batches.getFirst(), new Limits(1, 0), first, stop::get);

    var afterCrash = catalog.run(run);
    Catalog.InFlight inFlight = catalog.inFlight(run);
    assertThat(inFlight.file()).isEqualTo("big.bin");
    assertThat(inFlight.bytes()).isGreaterThan(1 << 20).isLessThan(8 << 20);
    assertThat(afterCrash.bytesFinished() + inFlight.bytes()).isLessThanOrEqualTo(total);
    assertThat(afterCrash.filesFinished()).isLessThan(4);

    // Temporal tries the batch again: the new attempt's figures replace those of the dead one
    stop.set(false);
    TransferService.Meter second = new TransferService.Meter();
    engine.transfer(batches.getFirst(), new Limits(1, 0), second, stop::get);
    second.flush(catalog, run, batches.getFirst().fromSeq());

    var end = catalog.run(run);
    assertThat(catalog.inFlight(run)).isEqualTo(Catalog.InFlight.NONE);
    assertThat(end.filesDone()).isEqualTo(4);
    assertThat(end.bytesDone()).isEqualTo(total);
    assertThat(end.filesFinished()).isEqualTo(end.filesToCopy()).isEqualTo(4);
    assertThat(end.bytesFinished()).isEqualTo(end.bytesToCopy()).isEqualTo(total);
    assertThat(Files.readAllBytes(dst.resolve("big.bin")))
        .isEqualTo(Files.readAllBytes(src.resolve("big.bin")));
  }

  @Test
  void aFileFinishedTwiceIsCountedOnce() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    file(src.resolve("once.bin"), 1000, 30);
    StorageResolver r = resolver(src, new LocalStorage(src));
    long run = scannedRun(src, dst, RunOptions.defaults(), r);
    var f = catalog.pendingFiles(run, 0, Long.MAX_VALUE).getFirst();
    var o =
        new dev.ferry.activities.catalog.OutcomeBuffer.Outcome(
            f, "transferred", null, null, null, "none", 1, null);
    // a batch retried while its first attempt was still running records the file again
    catalog.recordOutcomes(run, List.of(o));
    catalog.recordOutcomes(run, List.of(o));
    assertThat(catalog.run(run).filesDone()).isEqualTo(1);
    assertThat(catalog.run(run).bytesDone()).isEqualTo(1000);
  }

  @Test
  void aFileThatChangesWhileCopiedIsCopiedAgainAsItIsThen() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    file(src.resolve("live.log"), 300_000, 1);
    ChangingSource source = new ChangingSource(src, 1);
    StorageResolver r = resolver(src, source);
    long run = scannedRun(src, dst, RunOptions.defaults(), r);
    BatchResult res = transferAll(run, new Limits(2, 0), r, new AtomicBoolean());
    assertThat(res.transferred()).isEqualTo(1);
    assertThat(Files.readAllBytes(dst.resolve("live.log")))
        .isEqualTo(Files.readAllBytes(src.resolve("live.log")));
    assertThat(Files.size(dst.resolve("live.log"))).isEqualTo(300_004);
    var row = catalog.failures(run, 10);
    assertThat(row).isEmpty();
    int attempts =
        catalog
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "select attempts from run_files where run_id = ? and path = 'live.log'")
                        .bind(0, run)
                        .mapTo(Integer.class)
                        .one());
    assertThat(attempts).isEqualTo(2);
  }

  @Test
  void aFileThatNeverStopsChangingIsReportedAndNeverRecordedAsVerified() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    file(src.resolve("busy.db"), 100_000, 2);
    file(src.resolve("calm.txt"), 1000, 3);
    ChangingSource source =
        new ChangingSource(src, 100) {
          @Override
          public Opened openWithTime(String path) {
            return path.equals("busy.db")
                ? super.openWithTime(path)
                : new Opened(local.open(path), -1);
          }
        };
    StorageResolver r = resolver(src, source);
    long run = scannedRun(src, dst, RunOptions.defaults(), r);
    BatchResult res = transferAll(run, new Limits(2, 0), r, new AtomicBoolean());
    assertThat(res.transferred()).isEqualTo(1);
    assertThat(res.failed()).isEqualTo(1);
    var failed = catalog.failures(run, 10);
    assertThat(failed)
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.path()).isEqualTo("busy.db");
              assertThat(f.reason()).contains("changed while being copied");
              assertThat(f.attempts()).isEqualTo(TransferService.ATTEMPTS);
              assertThat(f.verifiedBy()).isNull();
            });
    int inManifest =
        catalog
            .jdbi()
            .withHandle(
                h ->
                    h.createQuery("select count(*) from manifest where path = 'busy.db'")
                        .mapTo(Integer.class)
                        .one());
    assertThat(inManifest).isZero();
  }

  @Test
  void theBandwidthCapHoldsForTheWholeJobAcrossStreams() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int i = 0; i < 8; i++) {
      file(src.resolve("f" + i + ".bin"), 2 << 20, i);
    }
    StorageResolver r =
        (location, options) -> new LocalStorage(Path.of(java.net.URI.create(location)));
    long run = scannedRun(src, dst, RunOptions.defaults(), r);
    double mbps = 40; // 5 MB/s: 16 MiB take 3.36 s
    long t0 = System.nanoTime();
    BatchResult res = transferAll(run, new Limits(8, mbps), r, new AtomicBoolean());
    double secs = (System.nanoTime() - t0) / 1e9;
    assertThat(res.transferred()).isEqualTo(8);
    double rate = (16 << 20) * 8 / 1e6 / secs;
    assertThat(rate).as("Mbps over the run").isBetween(mbps * 0.85, mbps * 1.10);
  }

  @Test
  void aStopRequestLeavesUnfinishedFilesPendingForTheNextBatch() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int i = 0; i < 6; i++) {
      file(src.resolve("f" + i + ".bin"), 1 << 20, i);
    }
    StorageResolver r =
        (location, options) -> new LocalStorage(Path.of(java.net.URI.create(location)));
    long run = scannedRun(src, dst, RunOptions.defaults(), r);
    AtomicBoolean stop = new AtomicBoolean();
    Thread stopper =
        Thread.ofVirtual()
            .start(
                () -> {
                  // pause as soon as two files are done
                  while (transferred(run) < 2) {
                    try {
                      Thread.sleep(10);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                  stop.set(true);
                });
    BatchResult first = transferAll(run, new Limits(1, 16), r, stop); // 2 MB/s: ~1 file per 0.5 s
    stopper.join();
    assertThat(first.complete()).isFalse();
    assertThat(first.transferred()).isBetween(2L, 5L);
    try (var s = Files.list(dst)) {
      assertThat(s.filter(p -> p.getFileName().toString().startsWith(".ferry-partial")).count())
          .isZero();
    }
    BatchResult rest = transferAll(run, new Limits(4, 0), r, new AtomicBoolean());
    assertThat(rest.complete()).isTrue();
    assertThat(first.transferred() + rest.transferred()).isEqualTo(6);
  }
}
