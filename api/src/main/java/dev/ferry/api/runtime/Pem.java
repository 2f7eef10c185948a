package dev.ferry.api.runtime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * PEM files as operators have them (the form {@code openssl} and the Temporal CLI use): X.509
 * certificates, and unencrypted PKCS#8 private keys ({@code -----BEGIN PRIVATE KEY-----}, RSA or
 * EC). Read with the JDK alone ({@link CertificateFactory}, {@link PKCS8EncodedKeySpec}); no
 * BouncyCastle. A key in another form is refused with the {@code openssl} command that converts it.
 * Errors are {@link IllegalStateException}s naming the setting the file came from.
 */
public final class Pem {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----", Pattern.DOTALL);

  private Pem() {}

  /** The certificates of a PEM file (a chain: the leaf first), at least one. */
  public static List<X509Certificate> certificates(Path file, String setting) {
    byte[] bytes = read(file, setting);
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(bytes))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new GeneralSecurityException("no certificate in it");
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          setting
              + " ("
              + file
              + ") is not a PEM certificate file (-----BEGIN CERTIFICATE-----): "
              + e.getMessage());
    }
  }

  /** The private key of a PEM file: unencrypted PKCS#8, RSA or EC. */
  public static PrivateKey privateKey(Path file, String setting) {
    String text = new String(read(file, setting), StandardCharsets.US_ASCII);
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      switch (type) {
        case "PRIVATE KEY" -> {
          byte[] der = Base64.getMimeDecoder().decode(m.group(2).trim());
          for (String alg : List.of("RSA", "EC", "Ed25519", "RSASSA-PSS")) {
            try {
              return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
              // try the next algorithm
            }
          }
          throw new IllegalStateException(
              setting + " (" + file + ") holds a PKCS#8 key of an algorithm other than RSA or EC");
        }
        case "RSA PRIVATE KEY", "EC PRIVATE KEY" ->
            throw new IllegalStateException(
                setting
                    + " ("
                    + file
                    + ") holds a key in the form '"
                    + type
                    + "'; Ferry reads PKCS#8 keys ('PRIVATE KEY'). Convert it with: openssl pkcs8"
                    + " -topk8 -nocrypt -in "
                    + file
                    + " -out key.pem");
        case "ENCRYPTED PRIVATE KEY" ->
            throw new IllegalStateException(
                setting
                    + " ("
                    + file
                    + ") holds an encrypted key; give it unencrypted (and readable by Ferry only):"
                    + " openssl pkcs8 -topk8 -nocrypt -in "
                    + file
                    + " -out key.pem");
        default -> {
          // a certificate or parameters beside the key: skip
        }
      }
    }
    throw new IllegalStateException(
        setting + " (" + file + ") holds no private key (-----BEGIN PRIVATE KEY-----)");
  }

  /** A key store (PKCS#12, in memory) holding the key and its certificate chain as "ferry". */
  public static KeyStore keyStore(
      Path certFile, String certSetting, Path keyFile, String keySetting, char[] password) {
    List<X509Certificate> chain = certificates(certFile, certSetting);
    PrivateKey key = privateKey(keyFile, keySetting);
    if (!matches(chain.get(0), key)) {
      throw new IllegalStateException(
          keySetting
              + " ("
              + keyFile
              + ") is not the private key of the certificate in "
              + certSetting
              + " ("
              + certFile
              + ")");
    }
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("ferry", key, password, chain.toArray(new Certificate[0]));
      return ks;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(
          certSetting + " and " + keySetting + " do not make a key pair: " + e.getMessage());
    }
  }

  /** Whether the key signs what the certificate's public key verifies (RSA and EC; others: yes). */
  private static boolean matches(X509Certificate cert, PrivateKey key) {
    String alg =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> null;
        };
    if (alg == null) {
      return true;
    }
    try {
      byte[] probe = "ferry key check".getBytes(StandardCharsets.US_ASCII);
      java.security.Signature sign = java.security.Signature.getInstance(alg);
      sign.initSign(key);
      sign.update(probe);
      byte[] sig = sign.sign();
      java.security.Signature verify = java.security.Signature.getInstance(alg);
      verify.initVerify(cert.getPublicKey());
      verify.update(probe);
      return verify.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** A trust manager that trusts the certificates of a PEM file (a private CA) and no other. */
  public static X509TrustManager trustManager(Path caFile, String setting) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      int i = 0;
      for (X509Certificate c : certificates(caFile, setting)) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      for (var tm : tmf.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          return x;
        }
      }
      throw new GeneralSecurityException("no X.509 trust manager");
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(setting + " (" + caFile + "): " + e.getMessage());
    }
  }

  /** A TLS client context that trusts only the CA file's certificates. */
  public static SSLContext clientContext(Path caFile, String setting) {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new javax.net.ssl.TrustManager[] {trustManager(caFile, setting)}, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(setting + ": " + e.getMessage());
    }
  }

  /** The file's bytes as a stream (for libraries that read PEM themselves). */
  public static InputStream open(Path file, String setting) {
    return new ByteArrayInputStream(read(file, setting));
  }

  private static byte[] read(Path file, String setting) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalStateException(
          setting + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
  }
}
