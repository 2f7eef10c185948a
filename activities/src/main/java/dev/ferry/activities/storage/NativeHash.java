package dev.ferry.activities.storage;

import java.util.Objects;

/**
 * A hash a store keeps of a file's content by itself, listed with the file, from which a comparison
 * can tell the content without reading the file back: S3's ETag of a single-part upload (the MD5 of
 * the bytes), Azure's Content-MD5, Graph's quickXorHash.
 *
 * @param algorithm {@link #MD5} (hex, lower case) or {@link #QUICKXOR} (base64)
 * @param value the hash
 * @param source where the store keeps it, for reports ("S3 ETag", "Azure Content-MD5")
 */
public record NativeHash(String algorithm, String value, String source) {
  public static final String MD5 = "md5";
  public static final String QUICKXOR = "quickxor";

  public NativeHash {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(value, "value");
    if (!algorithm.equals(MD5) && !algorithm.equals(QUICKXOR)) {
      throw new IllegalArgumentException("unknown hash algorithm " + algorithm);
    }
  }

  /** How a file checked by this hash is reported: "md5 (S3 ETag)". */
  public String how() {
    return algorithm + " (" + source + ")";
  }
}
