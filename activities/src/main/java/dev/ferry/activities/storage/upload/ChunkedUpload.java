package dev.ferry.activities.storage.upload;

import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage.UploadState;
import dev.ferry.activities.storage.Storage.WriteOptions;
import dev.ferry.activities.storage.Storage.Written;
import dev.ferry.activities.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one chunked, resumable upload of every connector that uploads a file in parts (S3 multipart,
 * Azure blocks, Graph upload sessions), after rclone's {@code OpenChunkWriter} and {@code
 * lib/multipart}: the driver reads the source part by part into buffers of one process-wide pool
 * ({@link PartBuffers}), hashes each part (MD5, when the connector asks), keeps up to the
 * connector's window of parts in flight, checks that the source gives exactly its declared size
 * (else {@link StorageException.SourceChanged}, before the last part is sent), and keeps the
 * upload's {@link SavedUpload} record in the write's {@link UploadState}. A connector says how to
 * start ({@link Connector#open}) or continue ({@link Connector#resume}) an upload, its {@link Plan}
 * how, and its {@link Session} sends one part, completes and aborts.
 *
 * <p><b>Resume.</b> The record is saved before the first part of a new upload is sent (for files of
 * more than one part). The next write of the same file finds it: for the same size and modification
 * time, with a part size the connector accepts, the connector is asked to continue it (it tells,
 * per part, how much the store already holds: those bytes are read and hashed, not sent again, nor
 * reported to {@link WriteOptions#sent()}); for another version of the file the connector discards
 * it; another connector's record, or an unreadable one, is forgotten.
 *
 * <p><b>Failure.</b> Parts already on their way are let land, then: after a failure that may pass
 * (network, server, throttling, a stop) with the state kept, the upload is left for the next
 * attempt; otherwise (a refusal for good, {@link StorageException.SourceChanged}, {@link
 * StorageException.UploadLost}, or no state to keep it in) it is aborted and its record cleared.
 * After the store committed the file nothing is aborted.
 */
public final class ChunkedUpload {
  private static final Logger log = LoggerFactory.getLogger(ChunkedUpload.class);

  /** Sends the parts of uploads with a window of more than one part. */
  private static final ExecutorService PARTS = Executors.newVirtualThreadPerTaskExecutor();

  private ChunkedUpload() {}

  /**
   * One part of a file.
   *
   * @param index from 0
   * @param offset its first byte's position in the file
   * @param length its size in bytes
   * @param md5 the MD5 of its bytes when the connector {@link Plan#hashesParts() asked}, else null
   */
  public record Part(int index, long offset, int length, byte[] md5) {
    /** The MD5 in lower-case hex, or null. */
    public String md5Hex() {
      return md5 == null ? null : HexFormat.of().formatHex(md5);
    }

    /** Whether it ends the file of {@code size} bytes. */
    public boolean last(long size) {
      return offset + length == size;
    }
  }

  /**
   * A part as the upload ended with it: what {@link Session#writePart} returned, or null when the
   * store held all of it already.
   */
  public record Sent<R>(Part part, R receipt) {}

  /**
   * How a connector uploads one file in parts.
   *
   * @param tag the {@link SavedUpload#tag()} of this connector's uploads
   * @param where where the file goes, for messages
   * @param partSize the part size of a new upload
   * @param window parts sent at once (1: in order, each after the previous one was stored)
   * @param hashesParts whether each {@link Part} carries the MD5 of its bytes
   */
  public record Plan(String tag, String where, long partSize, int window, boolean hashesParts) {}

  /** A connector's side of the uploads of one file: open, continue or discard one. */
  public interface Connector<R> {
    /**
     * Whether the upload {@code saved} for this very size and time can go on with its part size
     * (which becomes the upload's).
     */
    default boolean usable(SavedUpload saved) {
      return true;
    }

    /** Starts a new upload in parts of {@code partSize}. */
    Session<R> open(long partSize);

    /** Continues the upload {@code saved}; empty when the store no longer has it. */
    Optional<Session<R>> resume(SavedUpload saved);

    /** Abandons the upload {@code saved}, made for another version of the file. */
    default void discard(SavedUpload saved) {}
  }

  /** One upload of one file. */
  public interface Session<R> {
    /** The store's handle of the upload, kept in its {@link SavedUpload}; null if none. */
    default String id() {
      return null;
    }

    /** Told every part's bytes in order, as they are read, before it is sent. */
    default void read(byte[] buf, int n) {}

    /** How many of the part's first bytes the store holds already (its length: all of it). */
    default int stored(Part part) {
      return 0;
    }

    /**
     * Sends {@code buf[from, part.length())}, the rest of the part, and sees it stored; called from
     * up to {@link Connector#window()} threads at once.
     */
    R writePart(Part part, byte[] buf, int from);

    /**
     * Completes the upload with every part, in order; calls {@code committed} as soon as the store
     * has made the file, before verifying it.
     */
    Written complete(List<Sent<R>> parts, Runnable committed);

    /** Abandons the upload: nothing of it becomes visible. */
    void abort();
  }

  /**
   * Writes {@code data}, exactly {@code source.size()} bytes, in parts through {@code connector},
   * continuing an upload {@code options.resume()} recorded when it can.
   */
  public static <R> Written write(
      Plan plan, Connector<R> connector, Entry source, InputStream data, WriteOptions options) {
    long size = source.size();
    UploadState state = options.resume();
    long partSize = plan.partSize();
    Session<R> session = null;
    Optional<String> text = state.load();
    if (text.isPresent()) {
      SavedUpload saved = SavedUpload.parse(text.get());
      if (saved == null || !saved.tag().equals(plan.tag())) {
        state.clear(); // another connector's record, or damaged
      } else if (saved.size() == size
          && saved.mtimeMillis() == source.mtimeMillis()
          && connector.usable(saved)) {
        session = connector.resume(saved).orElse(null);
        if (session == null) {
          state.clear(); // completed, aborted or expired meanwhile
        } else {
          partSize = saved.partSize();
        }
      } else {
        log.info(
            "abandoning the unfinished upload of {}: it was started for another version of the"
                + " file",
            plan.where());
        connector.discard(saved);
        state.clear();
      }
    }
    if (session == null) {
      session = connector.open(partSize);
      if (size > partSize) {
        try {
          state.save(
              new SavedUpload(plan.tag(), size, source.mtimeMillis(), partSize, session.id())
                  .format());
        } catch (RuntimeException e) {
          abortQuietly(session, e);
          throw e;
        }
      }
    }
    return send(plan, session, partSize, source.size(), data, options);
  }

  /**
   * Abandons and forgets the upload {@code state} recorded for this connector, if there is one: the
   * file is now written otherwise (in one request).
   */
  public static void forget(Plan plan, Connector<?> connector, UploadState state) {
    Optional<String> text = state.load();
    if (text.isEmpty()) {
      return;
    }
    SavedUpload saved = SavedUpload.parse(text.get());
    if (saved != null && saved.tag().equals(plan.tag())) {
      log.info(
          "abandoning the unfinished upload of {}: it is now written in one request", plan.where());
      connector.discard(saved);
    }
    state.clear();
  }

  private static <R> Written send(
      Plan plan,
      Session<R> session,
      long partSize,
      long size,
      InputStream data,
      WriteOptions options) {
    String where = plan.where();
    UploadState state = options.resume();
    int window = Math.max(1, plan.window());
    List<Part> parts = new ArrayList<>();
    List<Future<R>> order = new ArrayList<>();
    AtomicBoolean committed = new AtomicBoolean();
    try {
      long pos = 0;
      for (int index = 0; pos < size; index++) {
        int want = (int) Math.min(partSize, size - pos);
        // a file of one part takes a buffer of its own size, outside the pool
        boolean pooled = size > partSize;
        byte[] buf = pooled ? PartBuffers.take((int) partSize) : new byte[want];
        boolean handedOver = false;
        try {
          int n = readFully(data, buf, want, where);
          if (n < want) {
            throw sourceChanged(where, pos + n, size);
          }
          if (pos + n == size) {
            requireEnd(data, size, where); // before the last part completes the file
          }
          session.read(buf, n);
          Part part = new Part(index, pos, n, plan.hashesParts() ? md5(buf, n) : null);
          pos += n;
          parts.add(part);
          int from = Math.max(0, Math.min(n, session.stored(part)));
          if (from == n) {
            order.add(CompletableFuture.completedFuture(null)); // held already: not sent again
            continue;
          }
          Session<R> s = session;
          if (window == 1) {
            R receipt = s.writePart(part, buf, from);
            options.sent().accept(n - from);
            order.add(CompletableFuture.completedFuture(receipt));
          } else {
            order.add(
                PARTS.submit(
                    () -> {
                      try {
                        R receipt = s.writePart(part, buf, from);
                        options.sent().accept(n - from);
                        return receipt;
                      } finally {
                        PartBuffers.giveBack(buf);
                      }
                    }));
            handedOver = true;
          }
        } finally {
          if (pooled && !handedOver) {
            PartBuffers.giveBack(buf);
          }
        }
        awaitBelow(order, window);
      }
      List<Sent<R>> sent = new ArrayList<>();
      for (int i = 0; i < parts.size(); i++) {
        sent.add(new Sent<>(parts.get(i), await(order.get(i))));
      }
      return session.complete(
          sent,
          () -> {
            committed.set(true);
            state.clear(); // the store has the file: nothing left to resume
          });
    } catch (RuntimeException | Error e) {
      // parts already on their way are good parts for a resume: let them land before deciding
      for (Future<R> f : order) {
        try {
          f.get();
        } catch (Exception ignored) {
          // the first failure is the one reported
        }
      }
      if (!committed.get() && (!state.kept() || !worthResuming(e))) {
        abortQuietly(session, e);
        try {
          state.clear();
        } catch (RuntimeException c) {
          e.addSuppressed(c);
        }
      }
      throw e;
    }
  }

  /**
   * Whether an upload that failed with {@code e} may be continued by a later attempt: yes after a
   * failure that may pass, a stop (pause, cancel) or anything unexpected (the parts stored are
   * still good); no when the store refused for good, the source changed, or the store lost the
   * upload.
   */
  static boolean worthResuming(Throwable e) {
    if (e instanceof StorageException se) {
      return se.retryable()
          && !(se instanceof StorageException.SourceChanged)
          && !(se instanceof StorageException.UploadLost);
    }
    return true;
  }

  /** Waits until fewer than {@code window} parts are in flight; a failure surfaces here. */
  private static <R> void awaitBelow(List<Future<R>> order, int window) {
    int running = 0;
    for (Future<R> f : order) {
      if (!f.isDone()) {
        running++;
      }
    }
    for (int i = 0; running >= window && i < order.size(); i++) {
      if (!order.get(i).isDone()) {
        await(order.get(i));
        running--;
      }
    }
  }

  /** The result of a part; its failure is rethrown as it was raised. */
  private static <R> R await(Future<R> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Transient("interrupted while sending parts", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new StorageException.Transient("sending a part: " + e.getCause(), e.getCause());
    }
  }

  private static void abortQuietly(Session<?> session, Throwable failure) {
    try {
      session.abort();
    } catch (RuntimeException e) {
      // what is left stays invisible; the store expires it
      failure.addSuppressed(e);
    }
  }

  /**
   * All {@code size} bytes of a file written in one request, read in full; the source must end
   * there ({@link StorageException.SourceChanged} otherwise).
   */
  public static byte[] readWhole(InputStream data, int size, String where) {
    byte[] buf = new byte[size];
    int n = readFully(data, buf, size, where);
    if (n < size) {
      throw sourceChanged(where, n, size);
    }
    requireEnd(data, size, where);
    return buf;
  }

  /** Reads up to {@code want} bytes into {@code buf}; fewer only at the end of the stream. */
  static int readFully(InputStream data, byte[] buf, int want, String where) {
    try {
      return data.readNBytes(buf, 0, want);
    } catch (IOException e) {
      throw new StorageException.Transient(
          "could not read the source of " + where + ": " + rootCause(e), e);
    }
  }

  private static void requireEnd(InputStream data, long size, String where) {
    try {
      if (data.read() != -1) {
        throw sourceChanged(where, -1, size);
      }
    } catch (IOException e) {
      throw new StorageException.Transient(
          "could not read the source of " + where + ": " + rootCause(e), e);
    }
  }

  /** The source gave {@code got} bytes (-1: more than {@code size}) instead of {@code size}. */
  public static StorageException.SourceChanged sourceChanged(String where, long got, long size) {
    return new StorageException.SourceChanged(
        "source changed while being copied to "
            + where
            + ": it gave "
            + (got < 0 ? "more than " + size : String.valueOf(got))
            + " bytes, expected "
            + size);
  }

  /** The innermost cause, as {@code Class: message}, which is what says what went wrong. */
  private static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String msg = t.getMessage() == null ? "" : t.getMessage();
    return t.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg);
  }

  /** The MD5 of {@code buf[0, n)}. */
  public static byte[] md5(byte[] buf, int n) {
    MessageDigest md = newMd5();
    md.update(buf, 0, n);
    return md.digest();
  }

  /** A new MD5 digest. */
  public static MessageDigest newMd5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
