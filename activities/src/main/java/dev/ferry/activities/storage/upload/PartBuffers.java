package dev.ferry.activities.storage.upload;

import dev.ferry.activities.storage.StorageException;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * The part buffers of every chunked upload in the process, of every connector: at most {@value
 * #MAX_HELD} are held at once (memory stays that many parts, whatever the number of streams), and a
 * buffer given back is kept for the next part of its size (parts are megabytes each, too big to
 * make anew for every part).
 */
final class PartBuffers {
  /** Part buffers held at once, for the whole process. */
  static final int MAX_HELD = 16;

  private static final Semaphore HELD = new Semaphore(MAX_HELD);
  private static final ConcurrentHashMap<Integer, Queue<byte[]>> FREE = new ConcurrentHashMap<>();

  private PartBuffers() {}

  /** A buffer of {@code size} bytes, waiting while {@value #MAX_HELD} are held. */
  static byte[] take(int size) {
    try {
      HELD.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Transient("interrupted while waiting to send a part", e);
    }
    byte[] b = FREE.computeIfAbsent(size, k -> new ConcurrentLinkedQueue<>()).poll();
    return b != null ? b : new byte[size];
  }

  /** Gives back a buffer {@link #take} gave. */
  static void giveBack(byte[] b) {
    FREE.computeIfAbsent(b.length, k -> new ConcurrentLinkedQueue<>()).offer(b);
    HELD.release();
  }

  /** Buffers held now (for tests). */
  static int held() {
    return MAX_HELD - HELD.availablePermits();
  }
}
