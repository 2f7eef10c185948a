package dev.ferry.activities.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.activities.testing.FaultProxy;
import dev.ferry.activities.testing.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** What a user sees when S3 or the network fails: the kind of failure and a helpful message. */
class S3ErrorsTest {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static final long PART = 5L << 20;

  private final S3ProxyServer server = S3ProxyServer.shared();
  private String bucket;
  private FaultProxy proxy;

  @BeforeEach
  void setUp() {
    bucket = "ferry-errors-" + BUCKETS.incrementAndGet();
    server.createBucket(bucket);
    proxy = FaultProxy.start(server.endpoint());
  }

  @AfterEach
  void tearDown() {
    proxy.close();
  }

  /** A store that reaches s3proxy through the fault proxy. */
  private S3Storage viaProxy() {
    S3Settings direct = server.settings(bucket, "p");
    return new S3Storage(
        new S3Settings(
            direct.bucket(),
            direct.prefix(),
            proxy.endpoint(),
            direct.region(),
            direct.credentials(),
            true));
  }

  private S3Storage withKeys(String accessKey, String secretKey) {
    return new S3Storage(
        new S3Settings(
            bucket,
            "p",
            server.endpoint(),
            Region.US_EAST_1,
            StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)),
            true));
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static Storage.Written write(Storage s, String path, byte[] data) {
    return s.write(
        path,
        Entry.file(path, data.length, 1_600_000_000_000L),
        new ByteArrayInputStream(data),
        new Storage.WriteOptions(true, PART));
  }

  @Test
  void aWrongSecretKeyIsAccessDeniedAndSaysWhichSettingsToCheck() {
    try (Storage s = withKeys(server.accessKey(), "not-the-secret")) {
      assertThatThrownBy(() -> write(s, "f.txt", bytes(10)))
          .isInstanceOf(StorageException.AccessDenied.class)
          .hasMessageContaining("access denied by s3://" + bucket + "/p/f.txt")
          .hasMessageContaining("SignatureDoesNotMatch")
          .hasMessageContaining("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY")
          .hasMessageNotContaining("not-the-secret");
      assertThatThrownBy(() -> s.list(e -> {}, p -> {}))
          .isInstanceOf(StorageException.AccessDenied.class)
          .hasMessageContaining("AWS_SECRET_ACCESS_KEY");
      // A HEAD response has no body, so no error code: the message names both possible causes.
      assertThatThrownBy(() -> s.stat("f.txt"))
          .isInstanceOf(StorageException.AccessDenied.class)
          .hasMessageContaining("HTTP 403")
          .hasMessageContaining("AWS_SECRET_ACCESS_KEY")
          .hasMessageContaining("bucket policy");
    }
  }

  @Test
  void anUnknownAccessKeyIsAccessDenied() {
    try (Storage s = withKeys("nobody", "whatever")) {
      assertThatThrownBy(() -> s.list(e -> {}, p -> {}))
          .isInstanceOf(StorageException.AccessDenied.class)
          .hasMessageContaining("InvalidAccessKeyId")
          .hasMessageContaining("AWS_ACCESS_KEY_ID");
    }
  }

  @Test
  void getOfAMissingKeyIsNotFound() {
    try (Storage s = new S3Storage(server.settings(bucket, "p"))) {
      assertThatThrownBy(() -> s.open("missing.txt"))
          .isInstanceOf(StorageException.NotFound.class)
          .hasMessageContaining("not found: s3://" + bucket + "/p/missing.txt")
          .hasMessageContaining("NoSuchKey");
    }
  }

  @Test
  void slowDownWithRetryAfterSecondsIsThrottledForThatLong() {
    try (Storage s = viaProxy()) {
      write(s, "f.txt", bytes(10)); // through the proxy, unharmed
      FaultProxy.Rule rule =
          proxy.failNext(1, "/p/f.txt", 503, "SlowDown", "Please reduce your request rate.", "2");
      StorageException.Throttled e =
          catchThrowableOfType(StorageException.Throttled.class, () -> s.open("f.txt"));
      assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2));
      assertThat(e.retryable()).isTrue();
      assertThat(e)
          .hasMessageContaining("slow down")
          .hasMessageContaining("SlowDown: Please reduce your request rate.");
      assertThat(rule.applied()).isEqualTo(1);
      // SDK retries are off: the one failed request was the only one made.
      assertThat(rule.matched()).isEqualTo(1);
    }
  }

  @Test
  void retryAfterAsAnHttpDateAndNoRetryAfterAtAll() {
    try (Storage s = viaProxy()) {
      String in30s =
          DateTimeFormatter.RFC_1123_DATE_TIME.format(
              Instant.now().plusSeconds(30).atOffset(ZoneOffset.UTC));
      proxy.failNext(1, "/p/a.txt", 503, "SlowDown", "Reduce your request rate.", in30s);
      StorageException.Throttled dated =
          catchThrowableOfType(
              StorageException.Throttled.class, () -> write(s, "a.txt", bytes(10)));
      assertThat(dated.retryAfter()).isBetween(Duration.ofSeconds(25), Duration.ofSeconds(31));

      proxy.failNext(1, "/p/b.txt", 429, "TooManyRequests", "Too many.", null);
      StorageException.Throttled plain =
          catchThrowableOfType(
              StorageException.Throttled.class, () -> write(s, "b.txt", bytes(10)));
      assertThat(plain.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    }
  }

  @Test
  void aServerErrorIsTransientAndNotRetriedByTheSdk() {
    try (Storage s = viaProxy()) {
      FaultProxy.Rule rule =
          proxy.failNext(
              1, "/p/f.txt", 500, "InternalError", "We encountered an internal error.", null);
      assertThatThrownBy(() -> write(s, "f.txt", bytes(10)))
          .isInstanceOf(StorageException.Transient.class)
          .hasMessageContaining("server error from s3://" + bucket + "/p/f.txt while writing")
          .hasMessageContaining("InternalError: We encountered an internal error.");
      assertThat(rule.matched()).isEqualTo(1);
      // the next attempt (Ferry's own retry) goes through
      assertThat(write(s, "f.txt", bytes(10)).verifiedBy()).isEqualTo("md5-etag");
    }
  }

  @Test
  void aServerErrorOnAHeadRequestHasNoBodyButIsStillTransient() {
    try (Storage s = viaProxy()) {
      proxy.failNext(1, "/p/f.txt", 502, null, null, null);
      assertThatThrownBy(() -> s.stat("f.txt"))
          .isInstanceOf(StorageException.Transient.class)
          .hasMessageContaining("HTTP 502");
    }
  }

  @Test
  void aDroppedConnectionIsTransient() {
    try (Storage s = viaProxy()) {
      write(s, "f.txt", bytes(10));
      FaultProxy.Rule get = proxy.resetNext(1, "/p/f.txt");
      assertThatThrownBy(() -> s.open("f.txt").close())
          .isInstanceOf(StorageException.Transient.class)
          .hasMessageContaining("network error while opening s3://" + bucket + "/p/f.txt");
      assertThat(get.matched()).isEqualTo(1);

      proxy.resetNext(1, "/p/g.txt");
      assertThatThrownBy(() -> write(s, "g.txt", bytes(100_000)))
          .isInstanceOf(StorageException.Transient.class)
          .hasMessageContaining("network error while writing");
    }
  }

  @Test
  void aFailedPartAbortsTheMultipartUpload() {
    try (Storage s = viaProxy()) {
      proxy.failNext(1, "partNumber=2", 500, "InternalError", "boom", null);
      FaultProxy.Rule aborts = proxy.watch("DELETE", "uploadId=");
      assertThatThrownBy(() -> write(s, "big.bin", bytes((int) (2 * PART + 1))))
          .isInstanceOf(StorageException.Transient.class);
      assertThat(aborts.matched()).isEqualTo(1);
      assertThat(server.client().listMultipartUploads(r -> r.bucket(bucket)).uploads()).isEmpty();
      assertThat(s.stat("big.bin")).isEmpty();
    }
  }

  @Test
  void aKeyLongerThan1024BytesIsPermanent() {
    // 1,025 bytes with the prefix "p/", in segments short enough for any filesystem.
    String longName =
        String.join("/", Collections.nCopies(10, "n".repeat(100))) + "/" + "z".repeat(13);
    assertThat(("p/" + longName).length()).isEqualTo(1025);
    try (Storage s = new S3Storage(server.settings(bucket, "p"))) {
      // Ferry refuses before sending. AWS would answer 400 KeyTooLong; s3proxy's filesystem
      // backend has no key limit of its own and would store it (see the next test).
      assertThatThrownBy(() -> write(s, longName, bytes(1)))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("path too long for S3")
          .hasMessageContaining("1025 bytes")
          .hasMessageContaining("at most 1024");
      assertThat(s.stat(longName)).isEmpty();
    }
  }

  @Test
  void whatAWSAndS3ProxyAnswerForLongKeys() {
    // AWS's answer to a key over 1,024 bytes, replayed by the proxy: a permanent error.
    try (Storage s = viaProxy()) {
      proxy.failNext(1, "/p/f.txt", 400, "KeyTooLong", "Your key is too long", null);
      assertThatThrownBy(() -> write(s, "f.txt", bytes(1)))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("KeyTooLong: Your key is too long")
          .hasMessageContaining("retrying will not help");
    }
    // s3proxy's filesystem backend differs: it stores keys over 1,024 bytes...
    String longKey = "p/" + String.join("/", Collections.nCopies(11, "k".repeat(100)));
    server.client().putObject(r -> r.bucket(bucket).key(longKey), RequestBody.fromString("x"));
    // ...but a key segment too long for a file name (here 300 bytes) fails with 500 InternalError,
    // which a user sees as a transient error (and Ferry retries until its attempts run out).
    try (Storage s = new S3Storage(server.settings(bucket, "p"))) {
      assertThatThrownBy(() -> write(s, "s".repeat(300), bytes(1)))
          .isInstanceOf(StorageException.Transient.class)
          .hasMessageContaining("InternalError");
    }
  }

  private static S3Exception answer(int status, String code, String header, String value) {
    SdkHttpResponse.Builder http = SdkHttpResponse.builder().statusCode(status);
    if (header != null) {
      http.putHeader(header, value);
    }
    return (S3Exception)
        S3Exception.builder()
            .statusCode(status)
            .awsErrorDetails(
                AwsErrorDetails.builder()
                    .errorCode(code)
                    .errorMessage(code == null ? null : "the provider's words")
                    .sdkHttpResponse(http.build())
                    .build())
            .build();
  }

  private static StorageException classify(Exception e) {
    return S3Errors.classify(e, "writing", "s3://b/p/f.txt");
  }

  @Test
  void classifiesWhatAwsAnswers() {
    assertThat(classify(answer(403, "AccessDenied", null, null)))
        .isInstanceOf(StorageException.AccessDenied.class)
        .hasMessage(
            "access denied by s3://b/p/f.txt while writing (AccessDenied: the provider's words): the"
                + " credentials were accepted but may not do this: check the bucket policy and the"
                + " IAM permissions (s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject,"
                + " s3:CreateBucket)");
    assertThat(classify(answer(403, "RequestTimeTooSkewed", null, null)))
        .isInstanceOf(StorageException.AccessDenied.class)
        .hasMessageContaining("clock");
    assertThat(classify(answer(400, "ExpiredToken", null, null)))
        .isInstanceOf(StorageException.AccessDenied.class);
    assertThat(classify(answer(404, "NoSuchBucket", null, null)))
        .isInstanceOf(StorageException.NotFound.class)
        .hasMessageContaining("bucket");
    assertThat(classify(answer(503, "ServiceUnavailable", null, null)))
        .isInstanceOf(StorageException.Throttled.class);
    assertThat(classify(answer(400, "BadDigest", null, null)))
        .isInstanceOf(StorageException.Transient.class);
    assertThat(classify(answer(400, "RequestTimeout", null, null)))
        .isInstanceOf(StorageException.Transient.class);
    assertThat(classify(answer(404, "NoSuchUpload", null, null)))
        .isInstanceOf(StorageException.Transient.class);
    assertThat(classify(answer(400, "EntityTooLarge", null, null)))
        .isInstanceOf(StorageException.Permanent.class);
    assertThat(classify(answer(400, "InvalidArgument", null, null)))
        .isInstanceOf(StorageException.Permanent.class);
    assertThat(classify(answer(501, "NotImplemented", null, null)))
        .isInstanceOf(StorageException.Permanent.class);
    assertThat(classify(answer(301, "PermanentRedirect", "x-amz-bucket-region", "eu-west-1")))
        .isInstanceOf(StorageException.Permanent.class)
        .hasMessageContaining("set AWS_REGION to the bucket's region (eu-west-1)");
    assertThat(
            classify(
                SdkClientException.create(
                    "Unable to load credentials from any of the providers in the chain")))
        .isInstanceOf(StorageException.AccessDenied.class)
        .hasMessageContaining("no AWS credentials found");
    assertThat(
            classify(
                SdkClientException.create(
                    "Unable to execute HTTP request",
                    new java.net.SocketTimeoutException("Read timed out"))))
        .isInstanceOf(StorageException.Transient.class)
        .hasMessage(
            "network error while writing s3://b/p/f.txt: SocketTimeoutException: Read timed out");
  }
}
