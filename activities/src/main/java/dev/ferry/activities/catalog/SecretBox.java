package dev.ferry.activities.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts connection secrets at rest with AES-256-GCM under one master key. Every secret gets a
 * random 12-byte IV and is bound to its owner's id (additional authenticated data), so a ciphertext
 * copied onto another row does not decrypt. Layout: version byte {@code 1}, IV, ciphertext and
 * 16-byte tag.
 *
 * <p>The master key comes from {@code FERRY_MASTER_KEY} (32 bytes, base64) or from a key file,
 * created with permissions 0600 on first use. A key file readable by others is refused.
 * Thread-safe.
 */
public final class SecretBox {
  private static final byte VERSION = 1;
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  private SecretBox(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException(
          "the master key must be 32 bytes (256 bits), base64-encoded; got " + key.length);
    }
    this.key = new SecretKeySpec(key, "AES");
  }

  /** A box over a raw 32-byte key. */
  public static SecretBox ofKey(byte[] key) {
    return new SecretBox(key.clone());
  }

  /**
   * The box of {@code base64Key} when given (the value of {@code FERRY_MASTER_KEY}), else of the
   * key in {@code keyFile}, which is created (0600) with a new random key when missing.
   *
   * @throws IllegalStateException with a message naming what to fix
   */
  public static SecretBox load(String base64Key, Path keyFile) {
    if (base64Key != null && !base64Key.isBlank()) {
      try {
        return new SecretBox(Base64.getDecoder().decode(base64Key.trim()));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(
            "FERRY_MASTER_KEY is not a base64 32-byte key ("
                + e.getMessage()
                + "); create one with: head -c 32 /dev/urandom | base64");
      }
    }
    try {
      if (!Files.exists(keyFile)) {
        create(keyFile);
      }
      checkPermissions(keyFile);
      String text = Files.readString(keyFile, StandardCharsets.US_ASCII).trim();
      return new SecretBox(Base64.getDecoder().decode(text));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read or create the master key file " + keyFile + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "the master key file "
              + keyFile
              + " does not hold a base64 32-byte key: "
              + e.getMessage());
    }
  }

  /** Writes a new key to a private temporary file and links it into place, atomically. */
  private static void create(Path keyFile) throws IOException {
    Path dir = keyFile.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    Path tmp;
    try {
      tmp =
          Files.createTempFile(
              dir,
              ".master-key-",
              ".tmp",
              PosixFilePermissions.asFileAttribute(
                  Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
    } catch (UnsupportedOperationException notPosix) {
      tmp = Files.createTempFile(dir, ".master-key-", ".tmp");
    }
    try {
      Files.writeString(
          tmp, Base64.getEncoder().encodeToString(k) + "\n", StandardCharsets.US_ASCII);
      Files.createLink(keyFile, tmp);
    } catch (FileAlreadyExistsException raced) {
      // another process created it first: use theirs
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void checkPermissions(Path keyFile) throws IOException {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(keyFile);
    } catch (UnsupportedOperationException notPosix) {
      return;
    }
    for (PosixFilePermission p : perms) {
      if (p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_")) {
        throw new IllegalStateException(
            "the master key file "
                + keyFile
                + " is readable by others ("
                + PosixFilePermissions.toString(perms)
                + "); fix it with: chmod 600 "
                + keyFile);
      }
    }
  }

  /**
   * A key for one {@code purpose} derived from the master key (HMAC-SHA256 of the purpose under it,
   * as HKDF's expand step): servers of one database share the master key, so they derive the same
   * key; it never leaves memory and is never stored.
   */
  public byte[] derive(String purpose) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
      return mac.doFinal(("ferry derived key: " + purpose).getBytes(StandardCharsets.UTF_8));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Encrypts {@code plaintext} for the owner {@code boundTo} (a connection id). */
  public byte[] seal(byte[] plaintext, String boundTo) {
    byte[] iv = new byte[IV_BYTES];
    RANDOM.nextBytes(iv);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
      c.updateAAD(boundTo.getBytes(StandardCharsets.UTF_8));
      byte[] ct = c.doFinal(plaintext);
      return ByteBuffer.allocate(1 + IV_BYTES + ct.length).put(VERSION).put(iv).put(ct).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
    }
  }

  /**
   * Decrypts what {@link #seal} produced for the same owner.
   *
   * @throws IllegalStateException when the data was altered, belongs to another owner or was sealed
   *     under another master key
   */
  public byte[] open(byte[] sealed, String boundTo) {
    if (sealed.length < 1 + IV_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
      throw new IllegalStateException("the stored secret of " + boundTo + " is not readable");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 1, IV_BYTES));
      c.updateAAD(boundTo.getBytes(StandardCharsets.UTF_8));
      return c.doFinal(sealed, 1 + IV_BYTES, sealed.length - 1 - IV_BYTES);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new IllegalStateException(
          "the stored secret of "
              + boundTo
              + " does not decrypt: the master key differs from the one it was stored with,"
              + " or the data was altered");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed: " + e.getMessage(), e);
    }
  }
}
