package dev.ferry.activities.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.activities.testing.FaultProxy;
import dev.ferry.activities.testing.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What S3Storage puts on the wire, seen through the fault proxy. */
class S3RequestsTest {
  private static final long PART = 5L << 20;
  private final S3ProxyServer server = S3ProxyServer.shared();
  private FaultProxy proxy;
  private S3Storage storage;

  @BeforeEach
  void setUp() {
    proxy = FaultProxy.start(server.endpoint());
    S3Settings direct = server.settings("ferry-requests", "p");
    storage =
        new S3Storage(
            new S3Settings(
                direct.bucket(),
                direct.prefix(),
                proxy.endpoint(),
                direct.region(),
                direct.credentials(),
                true));
  }

  @AfterEach
  void tearDown() {
    storage.close();
    proxy.close();
  }

  private static String header(Map<String, List<String>> headers, String name) {
    return headers.entrySet().stream()
        .filter(e -> e.getKey().equalsIgnoreCase(name))
        .map(e -> e.getValue().get(0))
        .findFirst()
        .orElse(null);
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private Storage.Written write(String path, byte[] data) {
    return storage.write(
        path,
        Entry.file(path, data.length, 1_500_000_000_250L),
        new ByteArrayInputStream(data),
        new Storage.WriteOptions(true, PART));
  }

  @Test
  void aPutCarriesContentMd5AndTheMtimeAndNoFlexibleChecksum() throws Exception {
    FaultProxy.Rule put = proxy.watch("PUT", "/p/small.bin");
    byte[] data = bytes(1234);
    write("small.bin", data);
    assertThat(put.matched()).isEqualTo(1); // the bucket existed or was created by a separate call
    Map<String, List<String>> h = put.lastHeaders();
    assertThat(header(h, "Content-MD5"))
        .isEqualTo(
            Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(data)));
    assertThat(header(h, "x-amz-meta-mtime")).isEqualTo("1500000000.250");
    // A plain body, not aws-chunked (s3proxy mishandles zero-byte chunked bodies, see S3Storage),
    // and not hashed for the signature even over plain http: Content-MD5, a signed header,
    // protects it.
    assertThat(header(h, "Content-Length")).isEqualTo("1234");
    assertThat(header(h, "Content-Encoding")).isNull();
    assertThat(header(h, "x-amz-content-sha256")).isEqualTo("UNSIGNED-PAYLOAD");
    assertThat(signedHeaders(h)).contains("content-md5", "host", "x-amz-content-sha256");
    // No flexible checksum (s3proxy does not check them; Content-MD5 does the job).
    assertThat(h.keySet())
        .noneMatch(
            k ->
                k.toLowerCase().startsWith("x-amz-checksum")
                    || k.equalsIgnoreCase("x-amz-trailer"));
    assertThat(header(h, "x-amz-sdk-checksum-algorithm")).isNull();
    // A single PUT goes around the SDK's pipeline (DirectPut): one request, no SDK retry header.
    assertThat(header(h, "amz-sdk-request")).isNull();
    assertThat(header(h, "Expect")).isNull();
  }

  @Test
  void keysWithSpacesPlusPercentAndUnicodeLandWhereTheSdkPutsThem() throws Exception {
    List<String> names =
        List.of("a b/c+d.txt", "100%/x~y=z&q.bin", "ünï cødé/日本語.txt", "semi;colon,comma@at!");
    for (String name : names) {
      byte[] data = bytes(name.length() * 7);
      assertThat(write(name, data).verifiedBy()).isEqualTo("md5-etag");
      // read back through the SDK, which encodes the key its own way
      assertThat(
              server
                  .client()
                  .getObjectAsBytes(r -> r.bucket(storage.settings().bucket()).key("p/" + name))
                  .asByteArray())
          .isEqualTo(data);
      assertThat(storage.stat(name))
          .get()
          .extracting(Entry::mtimeMillis)
          .isEqualTo(1_500_000_000_250L);
    }
  }

  @Test
  void theSdkPathStillWorksWhenDirectPutIsOff() throws Exception {
    System.setProperty("ferry.s3.directPut", "false");
    try (S3Storage viaSdk = new S3Storage(storage.settings())) {
      FaultProxy.Rule put = proxy.watch("PUT", "/p/sdk.bin");
      byte[] data = bytes(2048);
      assertThat(
              viaSdk
                  .write(
                      "sdk.bin",
                      Entry.file("sdk.bin", data.length, 1_500_000_000_250L),
                      new ByteArrayInputStream(data),
                      new Storage.WriteOptions(true, PART))
                  .verifiedBy())
          .isEqualTo("md5-etag");
      assertThat(header(put.lastHeaders(), "amz-sdk-request")).isEqualTo("attempt=1; max=1");
      assertThat(header(put.lastHeaders(), "x-amz-content-sha256")).isEqualTo("UNSIGNED-PAYLOAD");
      assertThat(header(put.lastHeaders(), "x-amz-meta-mtime")).isEqualTo("1500000000.250");
    } finally {
      System.clearProperty("ferry.s3.directPut");
    }
  }

  @Test
  void everyPartCarriesContentMd5() throws Exception {
    FaultProxy.Rule parts = proxy.watch("PUT", "partNumber=");
    FaultProxy.Rule complete = proxy.watch("POST", "uploadId=");
    byte[] data = bytes((int) PART + 100);
    assertThat(write("parts.bin", data).verifiedBy()).isEqualTo("md5-multipart-etag");
    assertThat(parts.matched()).isEqualTo(2);
    assertThat(complete.matched()).isEqualTo(1);
    // parts go out in parallel: the last request seen carries the MD5 of one of the two parts
    byte[] first = java.util.Arrays.copyOfRange(data, 0, (int) PART);
    byte[] last = java.util.Arrays.copyOfRange(data, (int) PART, data.length);
    assertThat(header(parts.lastHeaders(), "Content-MD5"))
        .isIn(
            Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(first)),
            Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(last)));
    assertThat(parts.lastHeaders().keySet())
        .noneMatch(k -> k.toLowerCase().startsWith("x-amz-checksum"));
    assertThat(header(parts.lastHeaders(), "x-amz-content-sha256")).isEqualTo("UNSIGNED-PAYLOAD");
    assertThat(signedHeaders(parts.lastHeaders())).contains("content-md5");
    // Parts go through the SDK, told it has one attempt: Ferry's engine does the retrying.
    assertThat(header(parts.lastHeaders(), "amz-sdk-request")).isEqualTo("attempt=1; max=1");
  }

  @Test
  void aBodyDamagedOnTheWayIsRefusedThoughThePayloadIsUnsigned() throws Exception {
    FaultProxy.Rule damaged = proxy.corruptNext(1, "/p/damaged.bin");
    byte[] data = bytes(4321);
    assertThatThrownBy(() -> write("damaged.bin", data))
        .isInstanceOf(StorageException.Transient.class)
        .hasMessageContaining("BadDigest");
    assertThat(damaged.applied()).isEqualTo(1);
    assertThat(storage.stat("damaged.bin")).isEmpty();
    // the next attempt goes through untouched and stores the right bytes
    assertThat(write("damaged.bin", data).verifiedBy()).isEqualTo("md5-etag");
    try (var in = storage.open("damaged.bin")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void aDamagedPartIsRefusedToo() throws Exception {
    FaultProxy.Rule damaged = proxy.corruptNext(1, "partNumber=2");
    byte[] data = bytes((int) PART + 5000);
    assertThatThrownBy(() -> write("damaged-parts.bin", data))
        .isInstanceOf(StorageException.Transient.class)
        .hasMessageContaining("BadDigest");
    assertThat(damaged.applied()).isEqualTo(1);
    assertThat(storage.stat("damaged-parts.bin")).isEmpty();
  }

  /** The lower-case header names listed in the SigV4 Authorization header. */
  private static List<String> signedHeaders(Map<String, List<String>> headers) {
    String auth = header(headers, "Authorization");
    assertThat(auth).startsWith("AWS4-HMAC-SHA256 ");
    String list = auth.replaceAll(".*SignedHeaders=([^,]*).*", "$1");
    return List.of(list.split(";"));
  }

  @Test
  void aDelayedRequestIsOnlySlow() throws Exception {
    write("slow.txt", bytes(10));
    FaultProxy.Rule slow = proxy.delayNext(1, "/p/slow.txt", Duration.ofMillis(400));
    long start = System.nanoTime();
    assertThat(storage.stat("slow.txt")).isPresent();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(400));
    assertThat(slow.applied()).isEqualTo(1);
    assertThat(storage.stat("slow.txt")).isPresent();
    assertThat(slow.matched()).isEqualTo(2);
    assertThat(slow.applied()).isEqualTo(1);
  }
}
