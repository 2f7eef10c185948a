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
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
  private static final Capabilities CAPABILITIES = new Capabilities(true, true, "sha256-reread", 0);

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

  private String relative(Path p) {
    // Only where '\\' is the separator: on Linux it is an ordinary character of a name, and
    // turning it into '/' would name another file (SafePath then refuses the name instead).
    String rel = root.relativize(p).toString();
    return java.io.File.separatorChar == '\\' ? rel.replace('\\', '/') : rel;
  }

  @Override
  public void list(Consumer<Entry> sink, Consumer<ListingProblem> problems) {
    if (!Files.isDirectory(root)) {
      if (Files.exists(root)) {
        throw new StorageException.Permanent(root + " is a file, not a folder", null);
      }
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              if (!dir.equals(root)) {
                sink.accept(Entry.folder(relative(dir), attrs.lastModifiedTime().toMillis()));
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              if (attrs.isRegularFile()) {
                if (!file.getFileName().toString().startsWith(TEMP_PREFIX)) {
                  sink.accept(
                      Entry.file(
                          relative(file), attrs.size(), attrs.lastModifiedTime().toMillis()));
                }
              } else if (!attrs.isDirectory()) {
                problems.accept(
                    new ListingProblem(relative(file), "not a regular file (link or device)"));
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              problems.accept(new ListingProblem(relative(file), "cannot read: " + describe(e)));
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw classify("list " + root, e);
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
    try {
      Files.createDirectories(target.getParent());
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
        throw new StorageException.Transient(
            "the source gave "
                + n
                + " bytes, expected "
                + source.size()
                + ": it changed while being copied",
            null);
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
      return new Written(verifiedBy, hash);
    } catch (IOException e) {
      throw classify("write " + target, e);
    } catch (UncheckedIOException e) {
      throw classify("write " + target, e.getCause());
    } finally {
      try {
        Files.deleteIfExists(tmp);
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
