package dev.ferry.activities.storage;

import java.time.Duration;

/**
 * A failure of a storage operation, classified by what the caller should do about it. Each
 * connector maps its provider's errors onto these kinds and keeps the provider's own message.
 */
public abstract sealed class StorageException extends RuntimeException
    permits StorageException.NotFound,
        StorageException.AccessDenied,
        StorageException.Throttled,
        StorageException.Transient,
        StorageException.Permanent,
        StorageException.Altered {

  StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  /** True when trying the same operation again may succeed. */
  public abstract boolean retryable();

  /** Short plain-words name of the kind, for reports. */
  public abstract String kind();

  /** The object or folder does not exist. Not retried. */
  public static final class NotFound extends StorageException {
    public NotFound(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public boolean retryable() {
      return false;
    }

    @Override
    public String kind() {
      return "not found";
    }
  }

  /** Authentication failed or access was denied. Not retried: credentials must change. */
  public static final class AccessDenied extends StorageException {
    public AccessDenied(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public boolean retryable() {
      return false;
    }

    @Override
    public String kind() {
      return "access denied";
    }
  }

  /** The store asked us to slow down; retry after {@link #retryAfter()}. */
  public static final class Throttled extends StorageException {
    private final Duration retryAfter;

    public Throttled(String message, Duration retryAfter, Throwable cause) {
      super(message, cause);
      this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
      return retryAfter;
    }

    @Override
    public boolean retryable() {
      return true;
    }

    @Override
    public String kind() {
      return "throttled";
    }
  }

  /**
   * A network error, a server error, or bytes that did not verify: worth another attempt. Two kinds
   * of it also say that an unfinished upload of the file is of no use to that attempt: {@link
   * SourceChanged} and {@link UploadLost}.
   */
  public static sealed class Transient extends StorageException permits SourceChanged, UploadLost {
    public Transient(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public boolean retryable() {
      return true;
    }

    @Override
    public String kind() {
      return "transient error";
    }
  }

  /**
   * The source gave more or fewer bytes than its entry's size while it was copied: it is being
   * written to. Retried (it may be still next time), but what an unfinished upload holds of it is
   * not continued.
   */
  public static final class SourceChanged extends Transient {
    public SourceChanged(String message) {
      super(message, null);
    }
  }

  /**
   * The store lost or refused the unfinished upload of a file (an expired upload session, parts it
   * listed but will not take): retried, with a new upload.
   */
  public static final class UploadLost extends Transient {
    public UploadLost(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A request the store will never accept as made (bad name, too large, quota). Not retried. */
  public static final class Permanent extends StorageException {
    public Permanent(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public boolean retryable() {
      return false;
    }

    @Override
    public String kind() {
      return "permanent error";
    }
  }

  /**
   * The store kept the file, but not the bytes it was sent: it rewrote them on the way in (a
   * SharePoint document library injects its metadata into Office files, some PDF, HTML and JPEG),
   * so the stored size and hash differ from what was sent. Not retried: every upload would be
   * rewritten again (and add a version). The engine records it as its own outcome, {@code altered},
   * with both sides' size and hash.
   *
   * @see #sentSize()
   */
  public static final class Altered extends StorageException {
    private final String hashName;
    private final long sentSize;
    private final String sentHash;
    private final long storedSize;
    private final String storedHash;

    public Altered(
        String message,
        String hashName,
        long sentSize,
        String sentHash,
        long storedSize,
        String storedHash) {
      super(message, null);
      this.hashName = hashName;
      this.sentSize = sentSize;
      this.sentHash = sentHash;
      this.storedSize = storedSize;
      this.storedHash = storedHash;
    }

    /** The store's hash both sides were compared with ({@code quickxorhash}). */
    public String hashName() {
      return hashName;
    }

    public long sentSize() {
      return sentSize;
    }

    public String sentHash() {
      return sentHash;
    }

    public long storedSize() {
      return storedSize;
    }

    public String storedHash() {
      return storedHash;
    }

    @Override
    public boolean retryable() {
      return false;
    }

    @Override
    public String kind() {
      return "altered by the destination";
    }
  }
}
