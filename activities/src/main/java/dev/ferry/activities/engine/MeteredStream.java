package dev.ferry.activities.engine;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The source stream as the engine reads it, once: hashes SHA-256, counts bytes into the run's live
 * counter, obeys the job's bandwidth cap, and stops at once when the run is paused or cancelled.
 */
final class MeteredStream extends FilterInputStream {
  private final MessageDigest sha256;
  private final AtomicLong counter;
  private final Throttle throttle;
  private final BooleanSupplier stop;
  private long bytes;

  MeteredStream(InputStream in, AtomicLong counter, Throttle throttle, BooleanSupplier stop) {
    super(in);
    this.counter = counter;
    this.throttle = throttle;
    this.stop = stop;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (stop.getAsBoolean()) {
      throw new Stopped();
    }
    int n = super.read(b, off, Math.min(len, 256 * 1024));
    if (n > 0) {
      throttle.acquire(n);
      sha256.update(b, off, n);
      counter.addAndGet(n);
      bytes += n;
    }
    return n;
  }

  @Override
  public long skip(long n) {
    throw new UnsupportedOperationException("hashing stream cannot skip");
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  long bytes() {
    return bytes;
  }

  String sha256Hex() {
    return HexFormat.of().formatHex(sha256.digest());
  }
}
