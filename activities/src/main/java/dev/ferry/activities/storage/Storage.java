package dev.ferry.activities.storage;

import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The whole storage contract: a root (a folder, a bucket prefix) and six operations on paths
 * relative to it. Paths use {@code /} and never start with it; the engine has checked them with
 * {@link SafePath} before they reach a connector.
 *
 * <p>Implementations are thread-safe: one instance serves every stream of a job. Failures are
 * {@link StorageException}s that say whether retrying can help.
 */
public interface Storage extends AutoCloseable {

  /** What this store can do. */
  Capabilities capabilities();

  /**
   * The names this store refuses and how to rename them ({@link NameRules#NONE} when it takes every
   * safe path). Path length in bytes is declared by {@link Capabilities#maxPathBytes()}.
   */
  default NameRules nameRules() {
    return NameRules.NONE;
  }

  /** A human-readable location (URI without secrets), for messages. */
  String describe();

  /**
   * Streams every file (and, where the store has folders, every folder) under the root to {@code
   * sink}, recursively, in any order, without holding the listing in memory. A root that does not
   * exist lists nothing. Entries that cannot be read are reported to {@code problems} and the
   * listing goes on.
   */
  void list(Consumer<Entry> sink, Consumer<ListingProblem> problems);

  /**
   * As {@link #list(Consumer, Consumer)}; where the store holds symbolic links ({@link
   * Capabilities#links()}) they are listed as {@link Entry.Kind#LINK} entries, or with {@code
   * followLinks} followed: a link whose target (every link on the way resolved) lies inside the
   * root is listed as what it leads to, under the link's own path (a folder with its contents);
   * others are listed as {@link Entry.Kind#LINK_OUTSIDE}, {@link Entry.Kind#LINK_LOOP} (a folder
   * that encloses the link: following it would never end) or {@link Entry.Kind#LINK_BROKEN}, and
   * never read. Named pipes, sockets and devices are listed as such, never opened.
   */
  default void list(boolean followLinks, Consumer<Entry> sink, Consumer<ListingProblem> problems) {
    list(sink, problems);
  }

  /**
   * As {@link #list(Consumer, Consumer)}, telling {@code hashes} the {@link NativeHash} the store
   * keeps of each file it has one for (none by default: local disks and SFTP keep no hash). A file
   * without one is simply not told.
   */
  default void list(
      Consumer<Entry> sink,
      Consumer<ListingProblem> problems,
      java.util.function.BiConsumer<String, NativeHash> hashes) {
    list(sink, problems);
  }

  /**
   * The target of the symbolic link at {@code path}, as stored; empty when there is none (or the
   * store holds no links).
   */
  default Optional<String> readLink(String path) {
    return Optional.empty();
  }

  /**
   * Creates (or replaces) a symbolic link at {@code path} with {@code target} as stored, creating
   * parent folders as needed, on stores whose capabilities hold links.
   */
  default void writeLink(String path, String target) {
    throw new StorageException.Permanent(
        describe() + " holds no symbolic links: cannot recreate " + path, null);
  }

  /**
   * Whether {@code path}, every symbolic link along it followed, still lies inside the root (always
   * true on stores without links). Checked before a followed link's content is read.
   */
  default boolean resolvesInsideRoot(String path) {
    return true;
  }

  /** The entry at {@code path}, if there is one. */
  Optional<Entry> stat(String path);

  /**
   * Throws {@link StorageException.NotFound} when the location's root does not exist, on stores
   * where a folder exists or not (a local folder); elsewhere (a bucket prefix) an empty root is
   * simply empty. Asked of a migration's source only: a destination's root is created.
   */
  default void requireRoot() {}

  /** Opens a file for reading from its first byte. The caller closes the stream. */
  InputStream open(String path);

  /**
   * Opens a file and tells the modification time it was written with, where the store keeps one
   * that its listing does not show (an object store's metadata); -1 otherwise.
   */
  default Opened openWithTime(String path) {
    return new Opened(open(path), -1);
  }

  /** An open file and, when known, the modification time stored with it. */
  record Opened(InputStream stream, long mtimeMillis) {}

  /**
   * Writes {@code data} (exactly {@code source.size()} bytes) to {@code path}, replacing what is
   * there, creating parent folders as needed and keeping {@code source.mtimeMillis()} where the
   * store can. Partially written data never becomes visible under {@code path}. When {@code verify}
   * is true the connector checks what it stored against the bytes it consumed, by the store's
   * native means, and throws {@link StorageException.Transient} when they differ — or {@link
   * StorageException.Altered} when the store committed the file but rewrote its bytes (a SharePoint
   * library's metadata), which no retry changes.
   *
   * @return how the write was verified and the hash the store reported
   */
  Written write(String path, Entry source, InputStream data, WriteOptions options);

  /** Creates a folder and its parents; does nothing on stores without folders. */
  void mkdirs(String path);

  /** Deletes a file, or a folder when it is empty. Missing paths are not an error. */
  void delete(String path);

  @Override
  default void close() {}

  /** One path the listing could not read, and why. */
  record ListingProblem(String path, String reason) {}

  /**
   * Options of one write.
   *
   * @param verify check the stored bytes after writing
   * @param partSize part (chunk) size in bytes for multipart or block uploads
   * @param resume where the connector may keep what it needs to continue this file's upload after a
   *     failure or a crash ({@link UploadState#NONE}: nowhere, so an upload that fails is
   *     abandoned)
   * @param sent told, each time the store accepted some bytes of this file (a part, a whole file),
   *     how many; parts reused from an earlier upload are not reported
   */
  record WriteOptions(boolean verify, long partSize, UploadState resume, LongConsumer sent) {
    public WriteOptions {
      resume = resume == null ? UploadState.NONE : resume;
      sent = sent == null ? n -> {} : sent;
    }

    public WriteOptions(boolean verify, long partSize) {
      this(verify, partSize, UploadState.NONE, null);
    }
  }

  /**
   * A small text a connector keeps for one destination file while an upload of it is unfinished
   * (S3: the multipart upload id and the size, time and part size it was started for), so that the
   * next attempt, in this process or after a crash, sends only what is missing. The engine keeps it
   * in PostgreSQL per job and path, never in Temporal. It must hold no secret.
   */
  interface UploadState {
    /** Keeps nothing: every write starts afresh. */
    UploadState NONE =
        new UploadState() {
          @Override
          public Optional<String> load() {
            return Optional.empty();
          }

          @Override
          public void save(String state) {}

          @Override
          public void clear() {}

          @Override
          public boolean kept() {
            return false;
          }
        };

    /** What was saved for this file, if anything. */
    Optional<String> load();

    /** Saves (replaces) the state, before the upload it describes receives data. */
    void save(String state);

    /** Forgets the state: the upload completed or was abandoned. */
    void clear();

    /** Whether saved state outlives this write (false for {@link #NONE}). */
    default boolean kept() {
      return true;
    }

    /** State kept in memory, for tests and callers without a catalog. */
    static UploadState inMemory() {
      AtomicReference<String> value = new AtomicReference<>();
      return new UploadState() {
        @Override
        public Optional<String> load() {
          return Optional.ofNullable(value.get());
        }

        @Override
        public void save(String state) {
          value.set(state);
        }

        @Override
        public void clear() {
          value.set(null);
        }
      };
    }
  }

  /**
   * The result of a write.
   *
   * @param verifiedBy how the stored bytes were checked ({@code none} when not verified)
   * @param destHash the hash the store reports for the object, if any
   */
  record Written(String verifiedBy, String destHash) {}
}
