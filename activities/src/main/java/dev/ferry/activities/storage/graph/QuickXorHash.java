package dev.ferry.activities.storage.graph;

import java.util.Base64;

/**
 * Microsoft's QuickXorHash, the content hash OneDrive for Business and SharePoint report as {@code
 * file.hashes.quickXorHash} (base64 of 20 bytes).
 *
 * <p>The algorithm, as Microsoft publishes it: a 160-bit state; the byte at (zero-based) position
 * {@code i} of the content is XORed into the state at bit offset {@code (11 * i) mod 160}, the
 * state read as a little-endian bit string and wrapping around at 160 bits; finally the content
 * length, as a 64-bit little-endian integer, is XORed into the last 8 bytes of the 20-byte result.
 *
 * <p>Since the offset depends only on {@code i mod 160}, this implementation XORs each byte into
 * one of 160 byte lanes while streaming (one array access per byte) and places the lanes into the
 * state once, in {@link #digest()}. Not thread-safe.
 */
public final class QuickXorHash {
  private static final int WIDTH_BITS = 160;
  private static final int SHIFT = 11;
  private static final int LANES = WIDTH_BITS; // positions repeat every 160 bytes

  private final byte[] lanes = new byte[LANES];
  private int lane;
  private long length;

  /** Adds {@code len} bytes of {@code b} from {@code off}. */
  public void update(byte[] b, int off, int len) {
    int l = lane;
    for (int i = off, end = off + len; i < end; i++) {
      lanes[l] ^= b[i];
      if (++l == LANES) {
        l = 0;
      }
    }
    lane = l;
    length += len;
  }

  public void update(byte[] b) {
    update(b, 0, b.length);
  }

  /** Bytes added so far. */
  public long length() {
    return length;
  }

  /** The 20-byte hash of what was added so far; the hash can go on being updated. */
  public byte[] digest() {
    byte[] out = new byte[WIDTH_BITS / 8];
    for (int i = 0; i < LANES; i++) {
      int v = lanes[i] & 0xff;
      if (v == 0) {
        continue;
      }
      int bit = (SHIFT * i) % WIDTH_BITS;
      int at = bit / 8;
      int within = bit % 8;
      int spread = v << within; // up to 15 bits over two bytes, wrapping at the end of the state
      out[at] ^= (byte) spread;
      out[(at + 1) % out.length] ^= (byte) (spread >>> 8);
    }
    for (int i = 0; i < 8; i++) {
      out[out.length - 8 + i] ^= (byte) (length >>> (8 * i));
    }
    return out;
  }

  /** The hash in the form Graph reports it: base64 of the 20 bytes. */
  public String base64() {
    return Base64.getEncoder().encodeToString(digest());
  }

  /** The base64 hash of {@code data}. */
  public static String of(byte[] data) {
    QuickXorHash h = new QuickXorHash();
    h.update(data);
    return h.base64();
  }
}
