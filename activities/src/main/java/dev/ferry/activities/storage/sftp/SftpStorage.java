package dev.ferry.activities.storage.sftp;

import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClient.Attributes;
import org.apache.sshd.sftp.client.SftpClient.CloseableHandle;
import org.apache.sshd.sftp.client.SftpClient.DirEntry;
import org.apache.sshd.sftp.client.SftpClient.OpenMode;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension;
import org.apache.sshd.sftp.common.SftpException;

/**
 * A folder on an SFTP server, over Apache MINA SSHD's client: one SSH connection per instance, a
 * few SFTP channels on it shared by all threads ({@link SftpChannels}). Thread-safe.
 *
 * <p>Writes go to {@code .ferry-partial-<sha1 of the name>} beside the target; with verification
 * the temporary file is read back and its SHA-256 compared with that of the bytes consumed (SFTP
 * has no hash the server vouches for), then its modification time is set and it is renamed over the
 * target: {@code posix-rename@openssh.com} where the server offers it (atomic), else a plain
 * rename, and when that fails because the target exists, remove and rename (a short window without
 * the file). Listings hide the temporary files.
 *
 * <p>SFTP version 3 carries times in whole seconds: listed times are whole seconds in milliseconds,
 * and written times are truncated to the second. Symbolic links and special files are reported as
 * listing problems, never followed.
 */
public final class SftpStorage implements Storage {
  static final String TEMP_PREFIX = ".ferry-partial-";
  private static final Capabilities CAPABILITIES = new Capabilities(true, true, "sha256-reread", 0);

  private final SftpSettings settings;
  private final SftpChannels channels;

  /**
   * Connects and logs in.
   *
   * @throws StorageException.AccessDenied when the login or the host key is refused
   * @throws StorageException.Transient when the server cannot be reached
   */
  public SftpStorage(SftpSettings settings) {
    this.settings = settings;
    this.channels = new SftpChannels(settings);
  }

  @Override
  public Capabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public String describe() {
    return settings.describe();
  }

  /** The absolute path on the server of a checked relative path. */
  private String remote(String path) {
    return path.isEmpty() ? settings.root() : join(settings.root(), SafePath.require(path));
  }

  private static String join(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }

  private String where(String path) {
    return path.isEmpty() ? describe() : join(describe(), path);
  }

  @Override
  public void list(Consumer<Entry> sink, Consumer<ListingProblem> problems) {
    // The root itself may be a link to a folder; links below it are not followed.
    Optional<Attributes> top = attributes(settings.root(), true, "list " + describe());
    if (top.isEmpty()) {
      return;
    }
    if (!top.get().isDirectory()) {
      throw new StorageException.Permanent(describe() + " is a file, not a folder", null);
    }
    Deque<String> folders = new ArrayDeque<>();
    folders.push("");
    while (!folders.isEmpty()) {
      String folder = folders.pop();
      String dir = folder.isEmpty() ? settings.root() : join(settings.root(), folder);
      try (SftpChannels.Lease lease = channels.lease();
          CloseableHandle handle = lease.sftp().openDir(dir)) {
        // Page by page (the server decides the page size); the handle is closed even when the
        // sink throws.
        for (List<DirEntry> page = lease.sftp().readDir(handle);
            page != null;
            page = lease.sftp().readDir(handle)) {
          for (DirEntry d : page) {
            visit(folder, d, sink, problems, folders);
          }
        }
      } catch (IOException | UncheckedIOException e) {
        if (folder.isEmpty()) {
          throw SftpErrors.classify("list " + describe(), e);
        }
        problems.accept(
            new ListingProblem(folder, "cannot read folder: " + SftpErrors.describe(unwrap(e))));
      }
    }
  }

  /** Reports one directory entry of {@code folder} and queues it when it is a folder. */
  private static void visit(
      String folder,
      DirEntry d,
      Consumer<Entry> sink,
      Consumer<ListingProblem> problems,
      Deque<String> folders) {
    String name = d.getFilename();
    if (name.equals(".") || name.equals("..")) {
      return;
    }
    String path = folder.isEmpty() ? name : folder + "/" + name;
    Attributes a = d.getAttributes();
    if (name.indexOf('/') >= 0) {
      problems.accept(new ListingProblem(path, "the server sent a name containing '/'"));
    } else if (a.isDirectory()) {
      sink.accept(Entry.folder(path, mtime(a)));
      folders.push(path);
    } else if (a.isRegularFile()) {
      if (!name.startsWith(TEMP_PREFIX)) {
        sink.accept(Entry.file(path, a.getSize(), mtime(a)));
      }
    } else if (a.isSymbolicLink()) {
      problems.accept(new ListingProblem(path, "symbolic link (not followed)"));
    } else {
      problems.accept(
          new ListingProblem(path, "not a regular file (device, socket, pipe or unknown)"));
    }
  }

  private static long mtime(Attributes a) {
    FileTime t = a.getModifyTime();
    return t == null ? -1 : t.toMillis();
  }

  @Override
  public Optional<Entry> stat(String path) {
    return attributes(remote(path), true, "stat " + where(path))
        .map(a -> a.isDirectory() ? Entry.folder(path, mtime(a)) : entry(path, a));
  }

  private static Entry entry(String path, Attributes a) {
    return Entry.file(path, a.getSize(), mtime(a));
  }

  /** stat (following links) or lstat of a remote path; empty when it does not exist. */
  private Optional<Attributes> attributes(String remote, boolean follow, String what) {
    try (SftpChannels.Lease lease = channels.lease()) {
      return attributes(lease.sftp(), remote, follow);
    } catch (IOException e) {
      throw SftpErrors.classify(what, e);
    }
  }

  private static Optional<Attributes> attributes(SftpClient c, String remote, boolean follow)
      throws IOException {
    try {
      return Optional.of(follow ? c.stat(remote) : c.lstat(remote));
    } catch (SftpException e) {
      if (SftpErrors.isNotFound(e)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public InputStream open(String path) {
    String remote = remote(path);
    SftpChannels.Lease lease = channels.lease();
    try {
      InputStream in = lease.sftp().read(remote);
      return new FilterInputStream(in) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            lease.close();
          }
        }
      };
    } catch (IOException | RuntimeException e) {
      lease.close();
      throw SftpErrors.classify("open " + where(path), e);
    }
  }

  @Override
  public Written write(String path, Entry source, InputStream data, WriteOptions options) {
    String target = remote(path);
    int slash = target.lastIndexOf('/');
    String parent = slash == 0 ? "/" : target.substring(0, slash);
    // One temporary name per target: a copy cut off by a crash is replaced by the next attempt.
    String tmp = join(parent, TEMP_PREFIX + sha1(target.substring(slash + 1)));
    boolean renamed = false;
    try (SftpChannels.Lease lease = channels.lease()) {
      SftpClient c = lease.sftp();
      try {
        mkdirs(c, parent);
        MessageDigest sent = sha256();
        long n;
        try (OutputStream out = c.write(tmp, OpenMode.Write, OpenMode.Create, OpenMode.Truncate);
            InputStream in = new DigestInputStream(data, sent)) {
          n = in.transferTo(out);
        }
        options.sent().accept(n);
        if (n != source.size()) {
          throw new StorageException.Transient(
              "source changed: it gave " + n + " bytes, expected " + source.size(), null);
        }
        String hash = null;
        String verifiedBy = "none";
        if (options.verify()) {
          hash = hashOf(c, tmp);
          String expected = HexFormat.of().formatHex(sent.digest());
          if (!hash.equals(expected)) {
            throw new StorageException.Transient(
                "verification failed for "
                    + where(path)
                    + ": read back "
                    + hash
                    + ", sent "
                    + expected,
                null);
          }
          verifiedBy = CAPABILITIES.nativeHash();
        }
        if (source.mtimeMillis() >= 0) {
          // Set on the temporary file, so the target never shows up with the wrong time.
          // Version 3 sets access and modification time together, in whole seconds.
          long seconds = Math.floorDiv(source.mtimeMillis(), 1000L);
          c.setStat(
              tmp,
              new Attributes()
                  .accessTime(seconds, TimeUnit.SECONDS)
                  .modifyTime(seconds, TimeUnit.SECONDS));
        }
        replace(c, tmp, target, path);
        renamed = true;
        return new Written(verifiedBy, hash);
      } finally {
        if (!renamed) {
          removeQuietly(c, tmp);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      throw SftpErrors.classify("write " + where(path), e);
    }
  }

  /** Renames {@code tmp} over {@code target}, replacing what is there. */
  private void replace(SftpClient c, String tmp, String target, String path) throws IOException {
    try {
      OpenSSHPosixRenameExtension posix = c.getExtension(OpenSSHPosixRenameExtension.class);
      if (posix != null && posix.isSupported()) {
        posix.posixRename(tmp, target);
        return;
      }
      try {
        c.rename(tmp, target);
      } catch (SftpException first) {
        // Version 3 renames refuse an existing target: remove it, then rename.
        Optional<Attributes> existing = attributes(c, target, false);
        if (existing.isEmpty() || existing.get().isDirectory()) {
          throw first;
        }
        c.remove(target);
        c.rename(tmp, target);
      }
    } catch (SftpException e) {
      if (attributes(c, target, false).filter(Attributes::isDirectory).isPresent()) {
        throw new StorageException.Permanent(
            "cannot write " + where(path) + ": a folder stands where the file should go", e);
      }
      throw e;
    }
  }

  private static void removeQuietly(SftpClient c, String remote) {
    try {
      c.remove(remote);
    } catch (IOException | RuntimeException ignored) {
      // best effort: a leftover partial file is hidden from listings and replaced next time
    }
  }

  private static String hashOf(SftpClient c, String remote) throws IOException {
    MessageDigest md = sha256();
    try (InputStream in = new DigestInputStream(c.read(remote), md)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(md.digest());
  }

  @Override
  public void mkdirs(String path) {
    try (SftpChannels.Lease lease = channels.lease()) {
      mkdirs(lease.sftp(), remote(path));
    } catch (IOException e) {
      throw SftpErrors.classify("create folder " + where(path), e);
    }
  }

  /** Creates {@code dir} and its missing parents; a folder made meanwhile by another is fine. */
  private void mkdirs(SftpClient c, String dir) throws IOException {
    Optional<Attributes> a = attributes(c, dir, true);
    if (a.isPresent()) {
      if (a.get().isDirectory()) {
        return;
      }
      throw new StorageException.Permanent(
          "cannot create folder "
              + dir
              + " on "
              + settings.host()
              + ": a file stands where a folder is needed",
          null);
    }
    int slash = dir.lastIndexOf('/');
    if (slash > 0) {
      mkdirs(c, dir.substring(0, slash));
    }
    try {
      c.mkdir(dir);
    } catch (SftpException e) {
      if (attributes(c, dir, true).filter(Attributes::isDirectory).isPresent()) {
        return;
      }
      throw e;
    }
  }

  @Override
  public void delete(String path) {
    String remote = remote(path);
    try (SftpChannels.Lease lease = channels.lease()) {
      SftpClient c = lease.sftp();
      Optional<Attributes> a = attributes(c, remote, false);
      if (a.isEmpty()) {
        return;
      }
      try {
        if (a.get().isDirectory()) {
          c.rmdir(remote);
        } else {
          c.remove(remote);
        }
      } catch (SftpException e) {
        if (SftpErrors.isNotFound(e)) {
          return;
        }
        if (a.get().isDirectory() && hasEntries(c, remote)) {
          throw new StorageException.Permanent(
              "cannot delete folder " + where(path) + ": it is not empty", e);
        }
        throw e;
      }
    } catch (IOException e) {
      throw SftpErrors.classify("delete " + where(path), e);
    }
  }

  private static boolean hasEntries(SftpClient c, String dir) throws IOException {
    for (DirEntry d : c.readDir(dir)) {
      if (!d.getFilename().equals(".") && !d.getFilename().equals("..")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    channels.close();
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
  }

  private static String sha1(String name) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(name.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
