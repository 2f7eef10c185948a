package dev.ferry.activities.catalog;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects per-file outcomes of a batch and writes them to the catalog a few times a second, many
 * rows per transaction, instead of one transaction per file. A crash loses at most the outcomes of
 * the last fraction of a second; those files are still pending in the manifest and are copied again
 * — never recorded as done without having been done. {@link #close()} writes what is left and
 * throws when it cannot, so the batch fails and is retried rather than lose a record.
 */
public final class OutcomeBuffer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutcomeBuffer.class);
  private static final int MAX_ROWS = 1000;

  /**
   * One file's outcome; {@code bytesSent} is null when every byte of the file was sent. For an
   * {@code altered} file (stored, but rewritten by the destination) {@code destSize} is the size
   * the destination holds and {@code sentHash} the store's native hash of the bytes sent ({@code
   * destHash} being the stored one); both null otherwise.
   */
  public record Outcome(
      FileRow file,
      String outcome,
      String reason,
      String sha256,
      String destHash,
      String verifiedBy,
      int attempts,
      Long bytesSent,
      Long destSize,
      String sentHash) {
    public Outcome(
        FileRow file,
        String outcome,
        String reason,
        String sha256,
        String destHash,
        String verifiedBy,
        int attempts,
        Long bytesSent) {
      this(file, outcome, reason, sha256, destHash, verifiedBy, attempts, bytesSent, null, null);
    }

    /** Whether the job keeps this copy as its last good one (the manifest). */
    public boolean kept() {
      return !file.folder()
          && ((ALTERED.equals(outcome) && ALTERED_ACCEPTED.equals(verifiedBy))
              || "transferred".equals(outcome)
              || "unchanged".equals(outcome));
    }
  }

  /** An outcome of a file the destination stored but rewrote (never retried). */
  public static final String ALTERED = "altered";

  /** How an {@code altered} file the job accepts is recorded as verified. */
  public static final String ALTERED_ACCEPTED = "altered-accepted";

  private final RunCatalog catalog;
  private final long runId;
  private final long everyMillis;
  private final List<Outcome> pending = new ArrayList<>();
  private final Thread flusher;
  private volatile boolean closed;

  public OutcomeBuffer(RunCatalog catalog, long runId, long everyMillis) {
    this.catalog = catalog;
    this.runId = runId;
    this.everyMillis = everyMillis;
    this.flusher = Thread.ofVirtual().name("ferry-outcomes-" + runId).start(this::loop);
  }

  public void add(Outcome o) {
    synchronized (pending) {
      pending.add(o);
      if (pending.size() >= MAX_ROWS) {
        pending.notifyAll();
      }
    }
  }

  private void loop() {
    while (!closed) {
      synchronized (pending) {
        try {
          pending.wait(everyMillis);
        } catch (InterruptedException e) {
          return;
        }
      }
      try {
        flush();
      } catch (RuntimeException e) {
        log.warn("cannot record file outcomes yet, will retry: {}", e.getMessage());
      }
    }
  }

  /** Writes everything collected so far; on failure keeps it for the next try and throws. */
  public void flush() {
    List<Outcome> take;
    synchronized (pending) {
      if (pending.isEmpty()) {
        return;
      }
      take = new ArrayList<>(pending);
      pending.clear();
    }
    try {
      catalog.recordOutcomes(runId, take);
    } catch (RuntimeException e) {
      synchronized (pending) {
        pending.addAll(0, take);
      }
      throw e;
    }
  }

  @Override
  public void close() {
    closed = true;
    synchronized (pending) {
      pending.notifyAll();
    }
    try {
      flusher.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
  }
}
