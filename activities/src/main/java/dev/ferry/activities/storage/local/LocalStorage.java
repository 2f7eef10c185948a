package dev.ferry.activities.storage.local;

import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.NameRules;
import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A folder on a local disk or a mounted file server. Writes go to a hidden temporary file beside
 * the target and are renamed into place, so a crash never leaves a half-written file under its real
 * name. Verification reads the written file back and compares SHA-256.
 */
public final class LocalStorage implements Storage {
  static final String TEMP_PREFIX = ".ferry-partial-";

  /**
   * Folders, times (to the millisecond) and symbolic links; verified by reading the written file
   * back. A cut-off write is started afresh.
   */
  public static final Capabilities CAPABILITIES =
      new Capabilities(true, 1, "sha256-reread", 0, true, false);

  /**
   * Whether this machine's file system reads {@code \} as a folder separator (Windows): there a
   * backslash in a name is refused (or remapped), elsewhere it is an ordinary character.
   */
  public static final boolean BACKSLASH_SEPARATOR = File.separatorChar == '\\';

  private final Path root;

  public LocalStorage(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  @Override
  public Capabilities capabilities() {
    return CAPABILITIES;
  }

  /**
   * No character rules on a POSIX file system, where a name may hold anything but {@code /} and
   * NUL; on Windows, a backslash is a separator ({@link NameRules#separatorsOnly}).
   */
  @Override
  public NameRules nameRules() {
    return NameRules.separatorsOnly("the local file system", BACKSLASH_SEPARATOR);
  }

  @Override
  public String describe() {
    return root.toUri().toString();
  }

  private Path resolve(String path) {
    if (path.isEmpty()) {
      return root;
    }
    Path p = root.resolve(SafePath.require(path, BACKSLASH_SEPARATOR)).normalize();
    if (!p.startsWith(root)) {
      throw new StorageException.Permanent("refused path '" + path + "': outside the root", null);
    }
    return p;
  }

  @Override
  public void list(Consumer<Entry> sink, Consumer<ListingProblem> problems) {
    list(false, sink, problems);
  }

  /**
   * One folder still to be listed: where it is (a path through any followed links), its path
   * relative to the root, and, when links are followed, the real paths of it and the folders that
   * enclose it on the way down (a link to one of them would be listed forever).
   */
  private record Pending(Path dir, String rel, Chain chain) {}

  /** Real paths of the folders from the root down to one folder, innermost first. */
  private record Chain(Path real, Chain up) {
    boolean enclosedBy(Path target) {
      for (Chain c = this; c != null; c = c.up) {
        if (c.real.startsWith(target)) {
          return true;
        }
      }
      return false;
    }
  }

  @Override
  public void requireRoot() {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS) && !Files.exists(root)) {
      throw new StorageException.NotFound(
          root + " does not exist: check the source's path (nothing was copied)", null);
    }
  }

  @Override
  public void list(boolean followLinks, Consumer<Entry> sink, Consumer<ListingProblem> problems) {
    if (!Files.isDirectory(root)) {
      if (Files.exists(root)) {
        throw new StorageException.Permanent(root + " is a file, not a folder", null);
      }
      return;
    }
    Path rootReal;
    try {
      rootReal = followLinks ? root.toRealPath() : null;
    } catch (IOException e) {
      throw classify("list " + root, e);
    }
    // Iterative, depth first: a deep tree does not deepen the stack.
    Deque<Pending> folders = new ArrayDeque<>();
    folders.push(new Pending(root, "", followLinks ? new Chain(rootReal, null) : null));
    while (!folders.isEmpty()) {
      Pending folder = folders.pop();
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder.dir())) {
        for (Path p : entries) {
          String name = p.getFileName().toString();
          String rel = folder.rel().isEmpty() ? name : folder.rel() + "/" + name;
          visit(p, name, rel, folder, rootReal, sink, problems, folders);
        }
      } catch (IOException | DirectoryIteratorException e) {
        IOException io = e instanceof DirectoryIteratorException d ? d.getCause() : (IOException) e;
        if (folder.rel().isEmpty()) {
          throw classify("list " + root, io);
        }
        problems.accept(new ListingProblem(folder.rel(), "cannot read folder: " + describe(io)));
      }
    }
  }

  /** Reports one entry of a folder and queues it when it is a folder to list. */
  private void visit(
      Path p,
      String name,
      String rel,
      Pending folder,
      Path rootReal,
      Consumer<Entry> sink,
      Consumer<ListingProblem> problems,
      Deque<Pending> folders) {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      problems.accept(new ListingProblem(rel, "cannot read: " + describe(e)));
      return;
    }
    long mtime = a.lastModifiedTime().toMillis();
    if (a.isDirectory()) {
      sink.accept(Entry.folder(rel, mtime));
      Chain chain =
          folder.chain() == null
              ? null
              : new Chain(folder.chain().real().resolve(name), folder.chain());
      folders.push(new Pending(p, rel, chain));
    } else if (a.isRegularFile()) {
      if (!name.startsWith(TEMP_PREFIX)) {
        sink.accept(Entry.file(rel, a.size(), mtime));
      }
    } else if (a.isSymbolicLink()) {
      String target = linkTarget(p);
      if (rootReal == null) {
        sink.accept(Entry.link(rel, target, mtime));
      } else {
        follow(p, rel, target, mtime, folder, rootReal, sink, problems, folders);
      }
    } else {
      sink.accept(Entry.special(rel, specialKind(p), mtime));
    }
  }

  /** Lists what a link leads to under the link's own path, when that is inside the root. */
  private void follow(
      Path p,
      String rel,
      String target,
      long linkMtime,
      Pending folder,
      Path rootReal,
      Consumer<Entry> sink,
      Consumer<ListingProblem> problems,
      Deque<Pending> folders) {
    Path real;
    BasicFileAttributes a;
    try {
      real = p.toRealPath();
      if (!real.startsWith(rootReal)) {
        sink.accept(Entry.link(rel, Entry.Kind.LINK_OUTSIDE, target, linkMtime));
        return;
      }
      a = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      sink.accept(Entry.link(rel, Entry.Kind.LINK_BROKEN, target, linkMtime));
      return;
    } catch (FileSystemException e) {
      if (e.getReason() != null && e.getReason().contains("Too many levels of symbolic links")) {
        sink.accept(Entry.link(rel, Entry.Kind.LINK_LOOP, target, linkMtime));
      } else {
        problems.accept(new ListingProblem(rel, "cannot follow the link: " + describe(e)));
      }
      return;
    } catch (IOException e) {
      problems.accept(new ListingProblem(rel, "cannot follow the link: " + describe(e)));
      return;
    }
    long mtime = a.lastModifiedTime().toMillis();
    if (a.isDirectory()) {
      if (folder.chain().enclosedBy(real)) {
        sink.accept(Entry.link(rel, Entry.Kind.LINK_LOOP, target, linkMtime));
        return;
      }
      sink.accept(Entry.folder(rel, mtime));
      folders.push(new Pending(p, rel, new Chain(real, folder.chain())));
    } else if (a.isRegularFile()) {
      sink.accept(Entry.file(rel, a.size(), mtime));
    } else {
      sink.accept(Entry.special(rel, specialKind(real), mtime));
    }
  }

  private static String linkTarget(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return "?";
    }
  }

  /** A named pipe, socket or device, from the file type bits of its mode where the OS has them. */
  private static Entry.Kind specialKind(Path p) {
    try {
      int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      return switch (mode & 0170000) {
        case 0010000 -> Entry.Kind.FIFO;
        case 0140000 -> Entry.Kind.SOCKET;
        case 0020000, 0060000 -> Entry.Kind.DEVICE;
        default -> Entry.Kind.SPECIAL;
      };
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return Entry.Kind.SPECIAL;
    }
  }

  @Override
  public Optional<String> readLink(String path) {
    Path p = resolve(path);
    if (!Files.isSymbolicLink(p)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.readSymbolicLink(p).toString());
    } catch (IOException e) {
      throw classify("read link " + p, e);
    }
  }

  @Override
  public void writeLink(String path, String target) {
    Path link = resolve(path);
    Path tmp = link.resolveSibling(TEMP_PREFIX + partialName(link.getFileName().toString()));
    try {
      Files.createDirectories(link.getParent());
      Files.deleteIfExists(tmp);
      Files.createSymbolicLink(tmp, Path.of(target));
      try {
        Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) {
          throw new StorageException.Permanent(
              "cannot recreate the link " + link + ": a folder stands where it should go", e);
        }
        throw e;
      }
    } catch (IOException e) {
      throw classify("create link " + link, e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // best effort, as for files
      }
    }
  }

  @Override
  public boolean resolvesInsideRoot(String path) {
    try {
      return resolve(path).toRealPath().startsWith(root.toRealPath());
    } catch (NoSuchFileException e) {
      return true; // nothing there to read: opening it says so
    } catch (IOException e) {
      throw classify("resolve " + path, e);
    }
  }

  @Override
  public Optional<Entry> stat(String path) {
    Path p = resolve(path);
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      long mtime = a.lastModifiedTime().toMillis();
      return Optional.of(
          a.isDirectory() ? Entry.folder(path, mtime) : Entry.file(path, a.size(), mtime));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw classify("stat " + p, e);
    }
  }

  @Override
  public InputStream open(String path) {
    Path p = resolve(path);
    try {
      return Files.newInputStream(p);
    } catch (IOException e) {
      throw classify("open " + p, e);
    }
  }

  @Override
  public Written write(String path, Entry source, InputStream data, WriteOptions options) {
    Path target = resolve(path);
    // One temporary name per target: a copy cut off by a crash is replaced by the next attempt.
    Path tmp = target.resolveSibling(TEMP_PREFIX + partialName(target.getFileName().toString()));
    boolean moved = false;
    try {
      // Checked first: on a folder that exists, createDirectories throws and catches two
      // exceptions (mkdir's EEXIST) — per file, the largest share of a small file's CPU here.
      if (!Files.isDirectory(target.getParent())) {
        Files.createDirectories(target.getParent());
      }
      MessageDigest sent = sha256();
      long n;
      try (OutputStream out =
              Files.newOutputStream(
                  tmp,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.TRUNCATE_EXISTING,
                  StandardOpenOption.WRITE);
          InputStream in = new DigestInputStream(data, sent)) {
        n = in.transferTo(out);
      }
      options.sent().accept(n);
      if (n != source.size()) {
        throw new StorageException.SourceChanged(
            "source changed while being copied to "
                + target
                + ": it gave "
                + n
                + " bytes, expected "
                + source.size());
      }
      String hash = null;
      String verifiedBy = "none";
      if (options.verify()) {
        hash = hashOf(tmp);
        String expected = HexFormat.of().formatHex(sent.digest());
        if (!hash.equals(expected)) {
          throw new StorageException.Transient(
              "verification failed for " + target + ": wrote " + hash + ", sent " + expected, null);
        }
        verifiedBy = CAPABILITIES.nativeHash();
      }
      if (source.mtimeMillis() >= 0) {
        Files.setLastModifiedTime(tmp, FileTime.fromMillis(source.mtimeMillis()));
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      moved = true;
      return new Written(verifiedBy, hash);
    } catch (IOException e) {
      throw classify("write " + target, e);
    } catch (UncheckedIOException e) {
      throw classify("write " + target, e.getCause());
    } finally {
      try {
        if (!moved) { // once moved there is nothing left, and unlink's ENOENT is another exception
          Files.deleteIfExists(tmp);
        }
      } catch (IOException ignored) {
        // best effort: a leftover partial file is hidden from listings by its prefix
      }
    }
  }

  private static String partialName(String name) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-1")
              .digest(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hashOf(Path file) throws IOException {
    MessageDigest md = sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void mkdirs(String path) {
    try {
      Files.createDirectories(resolve(path));
    } catch (IOException e) {
      throw classify("mkdir " + path, e);
    }
  }

  @Override
  public void delete(String path) {
    try {
      Files.deleteIfExists(resolve(path));
    } catch (DirectoryNotEmptyException e) {
      throw new StorageException.Permanent("folder " + path + " is not empty", e);
    } catch (IOException e) {
      throw classify("delete " + path, e);
    }
  }

  private static String describe(IOException e) {
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  static StorageException classify(String what, IOException e) {
    String msg = what + ": " + describe(e);
    if (e instanceof NoSuchFileException || e instanceof FileNotFoundException) {
      return new StorageException.NotFound(msg, e);
    }
    if (e instanceof AccessDeniedException) {
      return new StorageException.AccessDenied(msg, e);
    }
    if (e instanceof java.nio.file.FileAlreadyExistsException
        || e instanceof java.nio.file.NotDirectoryException) {
      return new StorageException.Permanent(
          msg + " (a file stands where a folder is needed, or the other way round)", e);
    }
    if (e instanceof FileSystemException fse
        && fse.getReason() != null
        && (fse.getReason().contains("File name too long")
            || fse.getReason().contains("No space left")
            || fse.getReason().contains("Read-only file system")
            || fse.getReason().contains("Not a directory"))) {
      return new StorageException.Permanent(msg, e);
    }
    return new StorageException.Transient(msg, e);
  }
}
