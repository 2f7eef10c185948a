package dev.ferry.api.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A private certificate authority made by a test, with the JDK's {@code keytool} (no network, no
 * openssl): a self-signed CA and certificates it signs, written as the PEM files an operator gives
 * Ferry (certificate chain, unencrypted PKCS#8 key, CA certificate).
 */
public final class TestCa {
  private static final String PASS = "changeit";
  private final Path dir;
  private final Path caStore;

  /** A PEM certificate chain (leaf, then the CA) and its PKCS#8 key. */
  public record Issued(Path cert, Path key) {}

  public TestCa(Path dir, String name) {
    this.dir = dir;
    this.caStore = dir.resolve("ca.p12");
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    keytool(
        null,
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + name,
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-keystore",
        caStore.toString(),
        "-storepass",
        PASS);
    write(
        caCert(),
        keytool(
            null,
            "-exportcert",
            "-rfc",
            "-alias",
            "ca",
            "-keystore",
            caStore.toString(),
            "-storepass",
            PASS));
  }

  /** The CA's certificate (PEM): what a client trusts. */
  public Path caCert() {
    return dir.resolve("ca.pem");
  }

  /**
   * A certificate for {@code name} signed by the CA, valid for the given subject alternative names
   * (keytool syntax: {@code dns:localhost}, {@code ip:127.0.0.1}).
   */
  public Issued issue(String name, String... sans) {
    Path store = dir.resolve(name + ".p12");
    keytool(
        null,
        "-genkeypair",
        "-alias",
        name,
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + name,
        "-validity",
        "2",
        "-keystore",
        store.toString(),
        "-storepass",
        PASS);
    byte[] csr =
        keytool(
            null, "-certreq", "-alias", name, "-keystore", store.toString(), "-storepass", PASS);
    List<String> gencert =
        new ArrayList<>(
            List.of(
                "-gencert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                caStore.toString(),
                "-storepass",
                PASS,
                "-validity",
                "2",
                "-ext",
                "EKU=serverAuth,clientAuth"));
    if (sans.length > 0) {
      gencert.addAll(List.of("-ext", "SAN=" + String.join(",", sans)));
    }
    byte[] cert = keytool(csr, gencert.toArray(new String[0]));
    Issued out = new Issued(dir.resolve(name + ".crt.pem"), dir.resolve(name + ".key.pem"));
    try {
      String chain =
          new String(cert, StandardCharsets.US_ASCII).trim()
              + "\n"
              + Files.readString(caCert(), StandardCharsets.US_ASCII).trim()
              + "\n";
      Files.writeString(out.cert(), chain, StandardCharsets.US_ASCII);
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (var in = Files.newInputStream(store)) {
        ks.load(in, PASS.toCharArray());
      }
      Key key = ks.getKey(name, PASS.toCharArray());
      Files.writeString(
          out.key(),
          "-----BEGIN PRIVATE KEY-----\n"
              + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                  .encodeToString(key.getEncoded())
              + "\n-----END PRIVATE KEY-----\n",
          StandardCharsets.US_ASCII);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static void write(Path file, byte[] bytes) {
    try {
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] keytool(byte[] stdin, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
      if (stdin != null) {
        p.getOutputStream().write(stdin);
      }
      p.getOutputStream().close();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      p.getInputStream().transferTo(out);
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException("keytool " + String.join(" ", args) + ": " + err + out);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
