package dev.ferry.activities.engine;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.FileRow;
import dev.ferry.activities.catalog.JobRow;
import dev.ferry.activities.catalog.OutcomeBuffer;
import dev.ferry.activities.catalog.RunCatalog;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.workflows.BatchRef;
import dev.ferry.workflows.BatchResult;
import dev.ferry.workflows.Limits;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one batch: every pending file of a manifest range is read once (SHA-256 on the way),
 * written, verified by the destination's native means, recorded, and — when asked and only after
 * verification — deleted at the source. One failing file never stops the others: transient errors
 * are retried (four attempts in all, honouring Retry-After), permanent ones are recorded at once. A
 * stop request (pause, cancel) leaves unfinished files pending for the next batch.
 */
public final class TransferService {
  /** Attempts per file: the first plus up to three reruns. */
  public static final int ATTEMPTS = 4;

  private static final Logger log = LoggerFactory.getLogger(TransferService.class);

  private final RunCatalog catalog;
  private final StorageResolver storage;
  private final Duration firstBackoff;

  public TransferService(RunCatalog catalog, StorageResolver storage) {
    this(catalog, storage, Duration.ofSeconds(1));
  }

  public TransferService(RunCatalog catalog, StorageResolver storage, Duration firstBackoff) {
    this.catalog = catalog;
    this.storage = storage;
    this.firstBackoff = firstBackoff;
  }

  /**
   * Live figures of a batch in progress, read by the heartbeat. Finished files are counted into the
   * run by the transaction that records their outcomes ({@link Catalog#recordOutcomes}); what this
   * meter adds to the catalog is only the batch's work in flight: bytes read so far of the files
   * being copied and one of their names ({@link Catalog#setInFlight}). An attempt that fails drops
   * its bytes from the figure (the report's {@code bytes_sent} keeps what was sent), so progress
   * never counts a byte twice nor runs past the total.
   */
  public static final class Meter {
    final AtomicLong files = new AtomicLong();
    final AtomicLong unchanged = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final AtomicLong bytesOfFiles = new AtomicLong();
    private final java.util.Map<AtomicLong, String> active =
        new java.util.concurrent.ConcurrentHashMap<>();
    private long flushedBytes = -1;
    private String flushedFile;

    /** A counter for the bytes of one attempt at copying {@code path}; {@link #end} drops it. */
    AtomicLong begin(String path) {
      AtomicLong c = new AtomicLong();
      active.put(c, path);
      return c;
    }

    void end(AtomicLong attempt) {
      active.remove(attempt);
    }

    /** Bytes read so far of the files being copied now. */
    public long inFlightBytes() {
      long n = 0;
      for (AtomicLong c : active.keySet()) {
        n += c.get();
      }
      return n;
    }

    /** The file in flight that has the most bytes read, or null when none is. */
    public String inFlightFile() {
      String best = null;
      long most = -1;
      for (var e : active.entrySet()) {
        long n = e.getKey().get();
        if (n > most) {
          most = n;
          best = e.getValue();
        }
      }
      return best;
    }

    /** Writes the batch's work in flight to the catalog when it changed. */
    public synchronized void flush(RunCatalog catalog, long runId, long batchFrom) {
      long b = inFlightBytes();
      String f = inFlightFile();
      if (b == flushedBytes && java.util.Objects.equals(f, flushedFile)) {
        return;
      }
      catalog.setInFlight(runId, batchFrom, b, f);
      flushedBytes = b;
      flushedFile = f;
    }

    public long files() {
      return files.get();
    }

    /** The batch's figures so far, the bytes read of the files in flight included. */
    public BatchResult soFar() {
      return new BatchResult(
          files.get(), bytes(), unchanged.get(), skipped.get(), failed.get(), false);
    }

    /** Bytes of the files finished plus those read of the files in flight. */
    public long bytes() {
      return bytesOfFiles.get() + inFlightBytes();
    }
  }

  public BatchResult transfer(BatchRef batch, Limits limits, Meter meter, BooleanSupplier stop) {
    long runId = batch.runId();
    JobRow job = catalog.job(catalog.jobOf(runId));
    RunOptions options = catalog.options(runId);
    RunResources shared = RunResources.of(runId, limits);
    List<FileRow> files = catalog.pendingFiles(runId, batch.fromSeq(), batch.toSeq());
    try (OutcomeBuffer outcomes = new OutcomeBuffer(catalog, runId, 250);
        Storage source = storage.open(job.sourceUri(), options);
        Storage dest = storage.open(job.destUri(), options);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      FileMover mover =
          new FileMover(runId, job.id(), source, dest, options, shared, meter, stop, outcomes);
      mover.kinds(EngineMetrics.kind(job.sourceUri()), EngineMetrics.kind(job.destUri()));
      for (FileRow f : files) {
        pool.submit(() -> mover.moveGated(f));
      }
      pool.shutdown();
      while (!pool.awaitTermination(200, TimeUnit.MILLISECONDS)) {
        // wait; stop requests reach each copy through its stream
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Stopped();
    }
    long left = catalog.pendingFiles(runId, batch.fromSeq(), batch.toSeq()).size();
    return new BatchResult(
        meter.files.get(),
        meter.bytesOfFiles.get(),
        meter.unchanged.get(),
        meter.skipped.get(),
        meter.failed.get(),
        left == 0);
  }

  /** Copies single files for one batch. */
  private final class FileMover {
    private final long runId;
    private final UUID jobId;
    private final Storage source;
    private final Storage dest;
    private final RunOptions options;
    private final RunResources shared;
    private final Meter meter;
    private final BooleanSupplier stop;
    private final OutcomeBuffer outcomes;
    private String sourceKind = "unknown";
    private String destKind = "unknown";

    void kinds(String source, String destination) {
      this.sourceKind = source;
      this.destKind = destination;
    }

    FileMover(
        long runId,
        UUID jobId,
        Storage source,
        Storage dest,
        RunOptions options,
        RunResources shared,
        Meter meter,
        BooleanSupplier stop,
        OutcomeBuffer outcomes) {
      this.outcomes = outcomes;
      this.runId = runId;
      this.jobId = jobId;
      this.source = source;
      this.dest = dest;
      this.options = options;
      this.shared = shared;
      this.meter = meter;
      this.stop = stop;
    }

    void moveGated(FileRow f) {
      if (stop.getAsBoolean()) {
        return;
      }
      try {
        shared.gate.enter();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      try {
        move(f);
      } catch (Stopped s) {
        // left pending
      } catch (RuntimeException e) {
        log.warn("unexpected error moving {}", f.path(), e);
        record(f, "failed", "unexpected error: " + e, null, null, null, 1);
        meter.failed.incrementAndGet();
      } finally {
        shared.gate.leave();
      }
    }

    private void move(FileRow f) {
      // bytes of this file the destination accepted, over every attempt
      AtomicLong sent = new AtomicLong();
      for (int attempt = 1; ; attempt++) {
        if (stop.getAsBoolean()) {
          throw new Stopped();
        }
        try {
          if (f.folder()) {
            dest.mkdirs(f.destPath());
            record(f, "transferred", "folder created", null, null, null, attempt);
            return;
          }
          if ("LINK".equals(f.action())) {
            copyLink(f, attempt);
            return;
          }
          if (options.followLinks() && !source.resolvesInsideRoot(f.path())) {
            String reason =
                f.path() + " now leads outside the source root through a symbolic link: not read";
            catalog.event(runId, f.path(), "failed", reason);
            record(f, "failed", reason, null, null, null, attempt);
            meter.failed.incrementAndGet();
            return;
          }
          if ("CHECK".equals(f.action()) && f.knownSha256() != null) {
            String sha = hashSource(f);
            if (sha.equals(f.knownSha256())) {
              record(
                  f,
                  "unchanged",
                  "same content (SHA-256), only the time changed",
                  sha,
                  null,
                  "sha256",
                  attempt);
              meter.unchanged.incrementAndGet();
              return;
            }
          }
          copy(f, attempt, sent);
          return;
        } catch (StorageException e) {
          String reason = e.kind() + ": " + e.getMessage();
          if (!e.retryable() || attempt >= ATTEMPTS) {
            catalog.event(runId, f.path(), "failed", reason);
            record(f, "failed", reason, null, null, null, attempt, sentOrNull(sent));
            meter.failed.incrementAndGet();
            return;
          }
          Duration wait =
              e instanceof StorageException.Throttled t && t.retryAfter() != null
                  ? t.retryAfter()
                  : firstBackoff.multipliedBy(1L << (attempt - 1));
          catalog.event(
              runId,
              f.path(),
              "retry",
              "attempt "
                  + attempt
                  + " failed ("
                  + reason
                  + "); retrying in "
                  + wait.toMillis()
                  + " ms");
          EngineMetrics.retry(sourceKind, destKind, e);
          pause(wait);
        }
      }
    }

    /**
     * Recreates a symbolic link with the target it has at the source now (checked again: it must
     * still stay inside the root), unless the destination already holds the same link; verified by
     * reading the new link's target back.
     */
    private void copyLink(FileRow f, int attempt) {
      String target =
          source
              .readLink(f.path())
              .orElseThrow(
                  () ->
                      new StorageException.NotFound(
                          f.path() + " is no longer a symbolic link at the source", null));
      String escape = Links.escapes(f.path(), target);
      if (escape != null) {
        catalog.event(runId, f.path(), "failed", escape);
        record(f, "failed", escape, null, null, null, attempt);
        meter.failed.incrementAndGet();
        return;
      }
      String what = "symbolic link to '" + target + "'";
      if (dest.readLink(f.destPath()).filter(target::equals).isPresent()) {
        record(
            f,
            "unchanged",
            what + ", the same at the destination",
            null,
            null,
            Links.VERIFIED_BY,
            attempt);
        meter.unchanged.incrementAndGet();
        return;
      }
      dest.writeLink(f.destPath(), target);
      String verifiedBy = "none";
      if (options.verify()) {
        String back = dest.readLink(f.destPath()).orElse(null);
        if (!target.equals(back)) {
          throw new StorageException.Transient(
              "verification failed for the link "
                  + f.destPath()
                  + ": it reads back as "
                  + (back == null ? "no link" : "'" + back + "'")
                  + ", expected '"
                  + target
                  + "'",
              null);
        }
        verifiedBy = Links.VERIFIED_BY;
      }
      record(f, "transferred", what + " recreated", null, null, verifiedBy, attempt);
      meter.files.incrementAndGet();
      if (options.deleteSource() && options.verify()) {
        source.delete(f.path());
        catalog.event(runId, f.path(), "deleted", "source link deleted after verified copy");
      }
    }

    private String hashSource(FileRow f) {
      try (MeteredStream in =
          new MeteredStream(source.open(f.path()), new AtomicLong(), shared.throttle, stop)) {
        in.transferTo(OutputStream.nullOutputStream());
        return in.sha256Hex();
      } catch (java.io.IOException e) {
        throw new StorageException.Transient("reading " + f.path() + ": " + e.getMessage(), e);
      }
    }

    private static Long sentOrNull(AtomicLong sent) {
      return sent.get() == 0 ? null : sent.get();
    }

    /**
     * Where the destination connector keeps what it needs to continue an unfinished upload of this
     * file (an S3 multipart upload id): the catalog, per job and path, so a later attempt, a later
     * batch or the next run after a crash continues it. Read only when the connector asks, that is
     * for large files.
     */
    private Storage.UploadState uploadState(String path) {
      return new Storage.UploadState() {
        @Override
        public Optional<String> load() {
          return catalog.uploadState(jobId, path);
        }

        @Override
        public void save(String state) {
          catalog.saveUploadState(jobId, path, state);
        }

        @Override
        public void clear() {
          catalog.clearUploadState(jobId, path);
        }
      };
    }

    /**
     * Copies one file. On file systems (stores with folders) a file can change in place while it is
     * read, so its size and time are taken just before opening and compared just after the copy: a
     * change means the copy is not recorded as verified and the attempt fails as transient (the
     * next attempt copies the file as it is then). Object stores serve one GET from one version of
     * an object, so there the scanned size is the expectation.
     */
    private void copy(FileRow scanned, int attempt, AtomicLong sent) {
      boolean fileSystem = source.capabilities().folders();
      FileRow f = scanned;
      if (fileSystem) {
        Entry before =
            source
                .stat(scanned.path())
                .orElseThrow(
                    () ->
                        new StorageException.NotFound(
                            scanned.path() + " disappeared from the source after the scan", null));
        f = scanned.withSizeAndTime(before.size(), before.mtimeMillis());
      }
      Storage.Written written = null;
      StorageException.Altered altered = null;
      String sha;
      Storage.Opened opened = source.openWithTime(f.path());
      // the time the file was written with, where the store keeps it apart from its listing
      long mtime = opened.mtimeMillis() >= 0 ? opened.mtimeMillis() : f.mtime();
      Entry entry = Entry.file(f.destPath(), f.size(), mtime);
      AtomicLong attemptBytes = meter.begin(f.path());
      try (InputStream raw = opened.stream();
          MeteredStream in = new MeteredStream(raw, attemptBytes, shared.throttle, stop)) {
        try {
          written =
              dest.write(
                  f.destPath(),
                  entry,
                  in,
                  new Storage.WriteOptions(
                      options.verify(),
                      options.partSizeBytes(),
                      uploadState(f.path()),
                      sent::addAndGet));
        } catch (StorageException.Altered a) {
          altered = a; // stored, every byte read: recorded below, never retried
        }
        if (in.bytes() != f.size()) {
          throw new StorageException.Transient(
              f.path()
                  + " changed while being copied: it gave "
                  + in.bytes()
                  + " bytes, expected "
                  + f.size(),
              null);
        }
        sha = in.sha256Hex();
      } catch (java.io.IOException e) {
        throw new StorageException.Transient("reading " + f.path() + ": " + e.getMessage(), e);
      } finally {
        meter.end(attemptBytes);
      }
      if (fileSystem) {
        FileRow expected = f;
        source
            .stat(f.path())
            .filter(now -> now.size() != expected.size() || now.mtimeMillis() != expected.mtime())
            .ifPresent(
                now -> {
                  throw new StorageException.Transient(
                      expected.path() + " changed while being copied; copying it again", null);
                });
      }
      if (altered != null) {
        recordAltered(f, altered, sha, attempt, sent);
        return;
      }
      record(
          f,
          "transferred",
          null,
          sha,
          written.destHash(),
          written.verifiedBy(),
          attempt,
          sent.get());
      if (sent.get() < f.size()) {
        catalog.event(
            runId,
            f.path(),
            "resumed",
            "continued an interrupted upload: "
                + sent.get()
                + " of "
                + f.size()
                + " bytes sent, the rest was already stored");
      }
      meter.files.incrementAndGet();
      meter.bytesOfFiles.addAndGet(f.size());
      if (options.deleteSource() && options.verify() && !"none".equals(written.verifiedBy())) {
        source.delete(f.path());
        catalog.event(
            runId,
            f.path(),
            "deleted",
            "source deleted after verified copy (" + written.verifiedBy() + ")");
      }
    }

    /**
     * A file the destination stored but rewrote (its size and hash differ from what was sent): its
     * own outcome, {@code altered}, with both sides' size and hash; never retried, since every
     * upload would be rewritten again and add a version. Accepted by the job's {@code
     * acceptAltered}, it becomes the job's copy of the file (the next incremental run leaves it
     * alone); either way its source is never deleted, as the copy is not the source's bytes.
     */
    private void recordAltered(
        FileRow f, StorageException.Altered a, String sha, int attempt, AtomicLong sent) {
      boolean accepted = options.acceptsAltered(f.path());
      String reason =
          "stored, but altered by the destination: it holds "
              + a.storedSize()
              + " bytes with "
              + a.hashName()
              + " "
              + a.storedHash()
              + ", "
              + a.sentSize()
              + " bytes with "
              + a.hashName()
              + " "
              + a.sentHash()
              + " were sent; "
              + (accepted
                  ? "accepted (accept-altered " + options.acceptAltered() + "); the source is kept"
                  : "not retried, as every upload is altered again: accept such files with"
                      + " --accept-altered office (job option acceptAltered)");
      catalog.event(runId, f.path(), OutcomeBuffer.ALTERED, reason);
      outcomes.add(
          new OutcomeBuffer.Outcome(
              f,
              OutcomeBuffer.ALTERED,
              reason,
              sha,
              a.storedHash(),
              accepted ? OutcomeBuffer.ALTERED_ACCEPTED : null,
              attempt,
              sent.get(),
              a.storedSize(),
              a.sentHash()));
      EngineMetrics.file(OutcomeBuffer.ALTERED, sourceKind, destKind, f.size());
      if (accepted) {
        meter.files.incrementAndGet();
        meter.bytesOfFiles.addAndGet(f.size());
      } else {
        meter.failed.incrementAndGet(); // the run (a shard's too) ends with errors
      }
    }

    private void record(
        FileRow f,
        String outcome,
        String reason,
        String sha,
        String destHash,
        String verifiedBy,
        int attempts) {
      record(f, outcome, reason, sha, destHash, verifiedBy, attempts, null);
    }

    private void record(
        FileRow f,
        String outcome,
        String reason,
        String sha,
        String destHash,
        String verifiedBy,
        int attempts,
        Long bytesSent) {
      outcomes.add(
          new OutcomeBuffer.Outcome(
              f, outcome, reason, sha, destHash, verifiedBy, attempts, bytesSent));
      if (!f.folder()) { // files, as the reports count them
        EngineMetrics.file(outcome, sourceKind, destKind, f.size());
      }
    }

    private void pause(Duration d) {
      long until = System.nanoTime() + d.toNanos();
      while (System.nanoTime() < until) {
        if (stop.getAsBoolean()) {
          throw new Stopped();
        }
        try {
          Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new Stopped();
        }
      }
    }
  }
}
