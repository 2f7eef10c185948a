package dev.ferry.activities.storage.sftp;

import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.NameRules;
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
import org.apache.sshd.sftp.common.SftpConstants;
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
 * and written times are truncated to the second. Symbolic links are listed as links (or followed
 * inside the root, resolved segment by segment), special files as what they are; neither is opened.
 */
public final class SftpStorage implements Storage {
  static final String TEMP_PREFIX = ".ferry-partial-";

  /**
   * Folders, times (whole seconds: SFTP version 3 carries no fraction) and symbolic links; verified
   * by reading the file back. A cut-off write is started afresh.
   */
  public static final Capabilities CAPABILITIES =
      new Capabilities(true, 1000, "sha256-reread", 0, true, false);

  private final SftpSettings settings;
  private final SftpChannels channels;
  private final NameRules nameRules;

  /**
   * Connects and logs in.
   *
   * @throws StorageException.AccessDenied when the login or the host key is refused
   * @throws StorageException.Transient when the server cannot be reached
   */
  public SftpStorage(SftpSettings settings) {
    this.settings = settings;
    this.channels = new SftpChannels(settings);
    this.nameRules =
        NameRules.separatorsOnly(
            "the SFTP server", windowsServer(channels.serverVersion(), settings.root()));
  }

  /**
   * Whether the server runs on Windows, where it hands names to a file system that reads {@code \}
   * as a folder separator: its identification says so ({@code SSH-2.0-OpenSSH_for_Windows_9.5},
   * Bitvise's {@code WinSSHD}), or the root is a Windows path ({@code /C:/data}). SFTP itself
   * separates with {@code /} only, so on other servers a backslash is an ordinary character.
   */
  static boolean windowsServer(String serverVersion, String root) {
    String v = serverVersion == null ? "" : serverVersion.toLowerCase(java.util.Locale.ROOT);
    return v.contains("windows")
        || v.contains("winsshd")
        || (root != null && root.matches("^/?[A-Za-z]:([/\\\\].*)?$"));
  }

  /**
   * No character rules; a backslash is a separator on a Windows server ({@link #windowsServer}), an
   * ordinary character elsewhere.
   */
  @Override
  public NameRules nameRules() {
    return nameRules;
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
    return path.isEmpty()
        ? settings.root()
        : join(settings.root(), SafePath.require(path, nameRules.backslashSeparator()));
  }

  private static String join(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }

  private String where(String path) {
    return path.isEmpty() ? describe() : join(describe(), path);
  }

  @Override
  public void list(Consumer<Entry> sink, Consumer<ListingProblem> problems) {
    list(false, sink, problems);
  }

  /**
   * One folder still to be listed: its path relative to the root and, when links are followed, the
   * real paths on the server of it and of the folders that enclose it on the way down.
   */
  private record Pending(String rel, Chain chain) {}

  /** Real paths of the folders from the root down to one folder, innermost first. */
  private record Chain(String real, Chain up) {
    boolean enclosedBy(String target) {
      String prefix = target.endsWith("/") ? target : target + "/";
      for (Chain c = this; c != null; c = c.up) {
        if (c.real.equals(target) || c.real.startsWith(prefix)) {
          return true;
        }
      }
      return false;
    }
  }

  @Override
  public void list(boolean followLinks, Consumer<Entry> sink, Consumer<ListingProblem> problems) {
    // The root itself may be a link to a folder; links below it are listed, or followed.
    Optional<Attributes> top = attributes(settings.root(), true, "list " + describe());
    if (top.isEmpty()) {
      return;
    }
    if (!top.get().isDirectory()) {
      throw new StorageException.Permanent(describe() + " is a file, not a folder", null);
    }
    String rootReal = followLinks ? rootReal() : null;
    Deque<Pending> folders = new ArrayDeque<>();
    folders.push(new Pending("", followLinks ? new Chain(rootReal, null) : null));
    while (!folders.isEmpty()) {
      Pending folder = folders.pop();
      String dir = folder.rel().isEmpty() ? settings.root() : join(settings.root(), folder.rel());
      try (SftpChannels.Lease lease = channels.lease();
          CloseableHandle handle = lease.sftp().openDir(dir)) {
        // Page by page (the server decides the page size); the handle is closed even when the
        // sink throws.
        for (List<DirEntry> page = lease.sftp().readDir(handle);
            page != null;
            page = lease.sftp().readDir(handle)) {
          for (DirEntry d : page) {
            visit(lease.sftp(), folder, d, rootReal, sink, problems, folders);
          }
        }
      } catch (IOException | UncheckedIOException e) {
        if (folder.rel().isEmpty()) {
          throw SftpErrors.classify("list " + describe(), e);
        }
        problems.accept(
            new ListingProblem(
                folder.rel(), "cannot read folder: " + SftpErrors.describe(unwrap(e))));
      }
    }
  }

  /** The root's real path on the server (links resolved). */
  private String rootReal() {
    try (SftpChannels.Lease lease = channels.lease()) {
      return realPath(lease.sftp(), settings.root());
    } catch (IOException e) {
      throw SftpErrors.classify("resolve " + describe(), e);
    }
  }

  /** Following links took more hops than a file system allows: they form a loop. */
  private static final class LinkLoop extends IOException {
    LinkLoop(String path) {
      super("too many levels of symbolic links at " + path);
    }
  }

  /**
   * {@code path} on the server with every link along it resolved, as realpath(3) does, by lstat and
   * readlink segment by segment: a server's own realpath need not resolve links (Apache MINA's does
   * not).
   *
   * @throws SftpException not found when a segment (or a link's target) does not exist
   * @throws LinkLoop after 40 links
   */
  private static String realPath(SftpClient c, String path) throws IOException {
    Deque<String> todo = new ArrayDeque<>(List.of(c.canonicalPath(path).split("/")));
    Deque<String> done = new ArrayDeque<>();
    int hops = 0;
    while (!todo.isEmpty()) {
      String seg = todo.pollFirst();
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        done.pollLast();
        continue;
      }
      String candidate = "/" + String.join("/", done) + (done.isEmpty() ? "" : "/") + seg;
      Attributes a = c.lstat(candidate);
      if (!a.isSymbolicLink()) {
        done.addLast(seg);
        continue;
      }
      if (++hops > 40) {
        throw new LinkLoop(candidate);
      }
      String target = c.readLink(candidate);
      if (target.startsWith("/")) {
        done.clear();
      }
      String[] parts = target.split("/");
      for (int i = parts.length - 1; i >= 0; i--) {
        todo.addFirst(parts[i]);
      }
    }
    return "/" + String.join("/", done);
  }

  private static boolean inside(String real, String rootReal) {
    return real.equals(rootReal)
        || real.startsWith(rootReal.endsWith("/") ? rootReal : rootReal + "/");
  }

  /** Reports one directory entry of {@code folder} and queues it when it is a folder. */
  private void visit(
      SftpClient c,
      Pending folder,
      DirEntry d,
      String rootReal,
      Consumer<Entry> sink,
      Consumer<ListingProblem> problems,
      Deque<Pending> folders)
      throws IOException {
    String name = d.getFilename();
    if (name.equals(".") || name.equals("..")) {
      return;
    }
    String path = folder.rel().isEmpty() ? name : folder.rel() + "/" + name;
    Attributes a = d.getAttributes();
    Entry.Kind kind = kind(a);
    if (name.indexOf('/') >= 0) {
      problems.accept(new ListingProblem(path, "the server sent a name containing '/'"));
    } else if (kind == Entry.Kind.FOLDER) {
      sink.accept(Entry.folder(path, mtime(a)));
      Chain chain =
          folder.chain() == null
              ? null
              : new Chain(join(folder.chain().real(), name), folder.chain());
      folders.push(new Pending(path, chain));
    } else if (kind == Entry.Kind.FILE) {
      if (!name.startsWith(TEMP_PREFIX)) {
        sink.accept(Entry.file(path, a.getSize(), mtime(a)));
      }
    } else if (kind == Entry.Kind.LINK) {
      String remote = join(settings.root(), path);
      String target = linkTarget(c, remote);
      if (rootReal == null) {
        sink.accept(Entry.link(path, target, mtime(a)));
      } else {
        follow(c, remote, path, target, mtime(a), folder, rootReal, sink, problems, folders);
      }
    } else {
      sink.accept(Entry.special(path, kind, mtime(a)));
    }
  }

  /** Lists what a link leads to under the link's own path, when that is inside the root. */
  private void follow(
      SftpClient c,
      String remote,
      String path,
      String target,
      long linkMtime,
      Pending folder,
      String rootReal,
      Consumer<Entry> sink,
      Consumer<ListingProblem> problems,
      Deque<Pending> folders)
      throws IOException {
    String real;
    Attributes a;
    try {
      real = realPath(c, remote);
      if (!inside(real, rootReal)) {
        sink.accept(Entry.link(path, Entry.Kind.LINK_OUTSIDE, target, linkMtime));
        return;
      }
      Optional<Attributes> found = attributes(c, real, false);
      if (found.isEmpty()) {
        sink.accept(Entry.link(path, Entry.Kind.LINK_BROKEN, target, linkMtime));
        return;
      }
      a = found.get();
    } catch (LinkLoop e) {
      sink.accept(Entry.link(path, Entry.Kind.LINK_LOOP, target, linkMtime));
      return;
    } catch (SftpException e) {
      if (SftpErrors.isNotFound(e)) {
        sink.accept(Entry.link(path, Entry.Kind.LINK_BROKEN, target, linkMtime));
      } else {
        problems.accept(
            new ListingProblem(path, "cannot follow the link: " + SftpErrors.describe(e)));
      }
      return;
    }
    Entry.Kind kind = kind(a);
    if (kind == Entry.Kind.FOLDER) {
      if (folder.chain().enclosedBy(real)) {
        sink.accept(Entry.link(path, Entry.Kind.LINK_LOOP, target, linkMtime));
        return;
      }
      sink.accept(Entry.folder(path, mtime(a)));
      folders.push(new Pending(path, new Chain(real, folder.chain())));
    } else if (kind == Entry.Kind.FILE) {
      sink.accept(Entry.file(path, a.getSize(), mtime(a)));
    } else if (kind == Entry.Kind.LINK) { // the server's realpath left a link: do not guess
      sink.accept(Entry.link(path, Entry.Kind.LINK_BROKEN, target, linkMtime));
    } else {
      sink.accept(Entry.special(path, kind, mtime(a)));
    }
  }

  private static String linkTarget(SftpClient c, String remote) {
    try {
      return c.readLink(remote);
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  /**
   * What an entry is: from the type the server sends (version 4 and later) or the file type bits of
   * its permissions (version 3, where they carry the whole mode).
   */
  static Entry.Kind kind(Attributes a) {
    switch (a.getType()) {
      case SftpConstants.SSH_FILEXFER_TYPE_SOCKET:
        return Entry.Kind.SOCKET;
      case SftpConstants.SSH_FILEXFER_TYPE_CHAR_DEVICE,
      SftpConstants.SSH_FILEXFER_TYPE_BLOCK_DEVICE:
        return Entry.Kind.DEVICE;
      case SftpConstants.SSH_FILEXFER_TYPE_FIFO:
        return Entry.Kind.FIFO;
      default:
        break;
    }
    switch (a.getPermissions() & SftpConstants.S_IFMT) {
      case SftpConstants.S_IFIFO:
        return Entry.Kind.FIFO;
      case SftpConstants.S_IFSOCK:
        return Entry.Kind.SOCKET;
      case SftpConstants.S_IFCHR, SftpConstants.S_IFBLK:
        return Entry.Kind.DEVICE;
      default:
        break;
    }
    if (a.isDirectory()) {
      return Entry.Kind.FOLDER;
    }
    if (a.isRegularFile()) {
      return Entry.Kind.FILE;
    }
    if (a.isSymbolicLink()) {
      return Entry.Kind.LINK;
    }
    return Entry.Kind.SPECIAL;
  }

  @Override
  public Optional<String> readLink(String path) {
    String remote = remote(path);
    try (SftpChannels.Lease lease = channels.lease()) {
      Optional<Attributes> a = attributes(lease.sftp(), remote, false);
      if (a.isEmpty() || !a.get().isSymbolicLink()) {
        return Optional.empty();
      }
      return Optional.of(lease.sftp().readLink(remote));
    } catch (IOException e) {
      throw SftpErrors.classify("read link " + where(path), e);
    }
  }

  @Override
  public void writeLink(String path, String target) {
    String link = remote(path);
    int slash = link.lastIndexOf('/');
    String parent = slash == 0 ? "/" : link.substring(0, slash);
    String tmp = join(parent, TEMP_PREFIX + sha1(link.substring(slash + 1)));
    boolean renamed = false;
    try (SftpChannels.Lease lease = channels.lease()) {
      SftpClient c = lease.sftp();
      try {
        mkdirs(c, parent);
        removeQuietly(c, tmp);
        c.symLink(tmp, target);
        replace(c, tmp, link, path);
        renamed = true;
      } finally {
        if (!renamed) {
          removeQuietly(c, tmp);
        }
      }
    } catch (IOException | UncheckedIOException e) {
      throw SftpErrors.classify("create link " + where(path), e);
    }
  }

  @Override
  public boolean resolvesInsideRoot(String path) {
    try (SftpChannels.Lease lease = channels.lease()) {
      SftpClient c = lease.sftp();
      return inside(realPath(c, remote(path)), realPath(c, settings.root()));
    } catch (LinkLoop e) {
      return false;
    } catch (SftpException e) {
      if (SftpErrors.isNotFound(e)) {
        return true; // nothing there to read: opening it says so
      }
      throw SftpErrors.classify("resolve " + where(path), e);
    } catch (IOException e) {
      throw SftpErrors.classify("resolve " + where(path), e);
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
          throw new StorageException.SourceChanged(
              "source changed: it gave " + n + " bytes, expected " + source.size());
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
