package dev.ferry.activities.storage.s3;

import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * A bucket, or a key prefix in one, on Amazon S3 or an S3-compatible server.
 *
 * <p>Object keys are {@code prefix/path}. S3 has no folders: keys ending in {@code /} (folder
 * markers made by consoles) are skipped when listing and {@link #mkdirs} does nothing. Modification
 * times are kept in the user metadata {@code mtime} as decimal epoch seconds, the convention rclone
 * uses, so either tool reads the other's times.
 *
 * <p>Writes up to one part in size are a single PutObject; larger ones are a multipart upload, sent
 * one part at a time, so a write holds at most one part in memory. Every upload request carries
 * {@code Content-MD5}, so S3 itself refuses bytes damaged on the way; with verification on, the
 * ETags S3 returns are compared with the MD5s of the bytes consumed. A multipart upload that fails
 * is aborted, so nothing partial becomes visible under the key. The SDK does not retry: Ferry's
 * engine retries whole files and counts the attempts.
 *
 * <p>Thread-safe: one instance (one HTTP connection pool) serves every stream of a job.
 */
public final class S3Storage implements Storage {
  /** The longest key S3 accepts, in UTF-8 bytes, including the prefix. */
  public static final int MAX_KEY_BYTES = 1024;

  /** S3's smallest part (except the last one). Smaller part sizes are raised to this. */
  static final long MIN_PART = 5L << 20;

  /** S3 allows at most this many parts; larger files get larger parts. */
  static final int MAX_PARTS = 10_000;

  /** The largest S3 object. */
  static final long MAX_OBJECT = 5L << 40;

  /** The largest part: a part is held in one array while it is sent. */
  static final long MAX_PART_IN_MEMORY = 1L << 30;

  static final int MAX_CONNECTIONS = 64;

  static final String MTIME_KEY = "mtime";
  static final String VERIFIED_SINGLE = "md5-etag";
  static final String VERIFIED_MULTIPART = "md5-multipart-etag";
  static final String VERIFIED_CONTENT_MD5 = "content-md5";

  private final S3Settings settings;
  private final S3Client s3;
  private final Capabilities capabilities;
  private volatile boolean bucketChecked;

  /** Connects to the store described by {@code settings}; no request is made until first use. */
  public S3Storage(S3Settings settings) {
    this.settings = settings;
    this.s3 = client(settings);
    int prefixBytes =
        settings.prefix().isEmpty()
            ? 0
            : (settings.prefix() + "/").getBytes(StandardCharsets.UTF_8).length;
    this.capabilities =
        new Capabilities(false, true, VERIFIED_SINGLE, Math.max(1, MAX_KEY_BYTES - prefixBytes));
  }

  /**
   * The S3 client: Apache HTTP client with {@value #MAX_CONNECTIONS} connections, no SDK retries,
   * and flexible checksums only where an operation requires them (S3-compatible servers such as
   * s3proxy do not all understand them; Content-MD5 protects the bytes instead).
   *
   * <p>Bodies are sent plain, never {@code aws-chunked}: over {@code http://} the SDK would
   * otherwise sign them chunk by chunk, and s3proxy answers a zero-byte chunked PUT before reading
   * its final chunk and then drops the connection, so the next request on it fails ("Broken pipe"),
   * which with SDK retries off becomes a failed file. Bodies are in memory, so hashing them for the
   * signature first costs no extra read.
   */
  static S3Client client(S3Settings settings) {
    S3ClientBuilder b =
        S3Client.builder()
            .httpClientBuilder(
                ApacheHttpClient.builder()
                    .maxConnections(MAX_CONNECTIONS)
                    .connectionTimeout(Duration.ofSeconds(10))
                    .socketTimeout(Duration.ofSeconds(60))
                    .connectionAcquisitionTimeout(Duration.ofSeconds(60)))
            .region(settings.region())
            .credentialsProvider(settings.credentials())
            .forcePathStyle(settings.pathStyle())
            .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
    if (settings.endpoint() != null) {
      b.endpointOverride(settings.endpoint());
    }
    return b.build();
  }

  public S3Settings settings() {
    return settings;
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  @Override
  public String describe() {
    return settings.location();
  }

  private String where(String path) {
    return "s3://" + settings.bucket() + "/" + settings.key(path);
  }

  @Override
  public void list(Consumer<Entry> sink, Consumer<ListingProblem> problems) {
    String prefix = settings.prefix().isEmpty() ? "" : settings.prefix() + "/";
    try {
      // The paginator fetches one page (up to 1,000 keys) at a time, as the loop asks for it.
      for (S3Object o :
          s3.listObjectsV2Paginator(r -> r.bucket(settings.bucket()).prefix(prefix)).contents()) {
        String key = o.key();
        if (key.endsWith("/") || !key.startsWith(prefix)) {
          continue; // a folder marker, or (from a misbehaving server) a key outside the root
        }
        String path = key.substring(prefix.length());
        Optional<String> problem = SafePath.problem(path);
        if (problem.isPresent()) {
          problems.accept(
              new ListingProblem(path, "key cannot be copied safely: " + problem.get()));
          continue;
        }
        long mtime = o.lastModified() == null ? -1 : o.lastModified().toEpochMilli();
        sink.accept(Entry.file(path, o.size() == null ? 0 : o.size(), mtime));
      }
    } catch (SdkException e) {
      if (e instanceof SdkServiceException se && "NoSuchBucket".equals(S3Errors.errorCode(se))) {
        return; // a root that does not exist lists nothing
      }
      throw S3Errors.classify(e, "listing", describe());
    }
  }

  @Override
  public Optional<Entry> stat(String path) {
    String key = settings.key(SafePath.require(path));
    HeadObjectResponse h;
    try {
      h = s3.headObject(r -> r.bucket(settings.bucket()).key(key));
    } catch (SdkException e) {
      StorageException se = S3Errors.classify(e, "looking up", where(path));
      if (se instanceof StorageException.NotFound) {
        return Optional.empty();
      }
      throw se;
    }
    long mtime = parseMtime(h.metadata().get(MTIME_KEY));
    if (mtime < 0 && h.lastModified() != null) {
      mtime = h.lastModified().toEpochMilli();
    }
    return Optional.of(Entry.file(path, h.contentLength() == null ? 0 : h.contentLength(), mtime));
  }

  @Override
  public InputStream open(String path) {
    String key = settings.key(SafePath.require(path));
    try {
      return s3.getObject(r -> r.bucket(settings.bucket()).key(key));
    } catch (SdkException e) {
      throw S3Errors.classify(e, "opening", where(path));
    }
  }

  @Override
  public Opened openWithTime(String path) {
    String key = settings.key(SafePath.require(path));
    try {
      var in = s3.getObject(r -> r.bucket(settings.bucket()).key(key));
      return new Opened(in, parseMtime(in.response().metadata().get(MTIME_KEY)));
    } catch (SdkException e) {
      throw S3Errors.classify(e, "opening", where(path));
    }
  }

  @Override
  public Written write(String path, Entry source, InputStream data, WriteOptions options) {
    String key = settings.key(SafePath.require(path));
    int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (keyBytes > MAX_KEY_BYTES) {
      throw new StorageException.Permanent(
          "path too long for S3: the key of "
              + where(path).substring(0, Math.min(60, where(path).length()))
              + "... is "
              + keyBytes
              + " bytes (with the prefix), and S3 allows at most "
              + MAX_KEY_BYTES,
          null);
    }
    long size = source.size();
    if (size < 0 || size > MAX_OBJECT) {
      throw new StorageException.Permanent(
          where(path) + " is " + size + " bytes; an S3 object holds 0 to 5 TiB", null);
    }
    ensureBucket();
    Map<String, String> metadata =
        source.mtimeMillis() >= 0 ? Map.of(MTIME_KEY, formatMtime(source.mtimeMillis())) : Map.of();
    long part = partSize(options.partSize(), size);
    try {
      return size <= part
          ? putSingle(key, path, (int) size, data, metadata, options.verify())
          : putMultipart(key, path, size, (int) part, data, metadata, options.verify());
    } catch (SdkException e) {
      throw S3Errors.classify(e, "writing", where(path));
    }
  }

  /**
   * The part size to use: the requested one, raised to S3's 5 MiB minimum and enough to stay within
   * 10,000 parts, capped at 1 GiB (a part is held in memory; 5 TiB still fits in 5,120 parts).
   */
  static long partSize(long requested, long size) {
    long part = Math.max(MIN_PART, requested);
    part = Math.max(part, (size + MAX_PARTS - 1) / MAX_PARTS);
    return Math.min(part, MAX_PART_IN_MEMORY);
  }

  private Written putSingle(
      String key,
      String path,
      int size,
      InputStream data,
      Map<String, String> meta,
      boolean verify) {
    byte[] buf = new byte[size];
    int n = fill(data, buf, size, path);
    requireExactSize(data, n, size, path);
    byte[] md5 = md5(buf, n);
    var response =
        s3.putObject(
            r ->
                r.bucket(settings.bucket())
                    .key(key)
                    .contentLength((long) n)
                    .contentMD5(Base64.getEncoder().encodeToString(md5))
                    .metadata(meta),
            body(buf, n));
    String etag = unquote(response.eTag());
    if (!verify) {
      return new Written("none", etag);
    }
    if (!etagIsMd5(response.serverSideEncryption(), response.sseCustomerAlgorithm())) {
      return new Written(VERIFIED_CONTENT_MD5, etag);
    }
    String expected = HexFormat.of().formatHex(md5);
    if (!expected.equalsIgnoreCase(etag)) {
      throw new StorageException.Transient(
          "verification failed for "
              + where(path)
              + ": S3 stored ETag "
              + etag
              + " but the MD5 of the bytes sent is "
              + expected,
          null);
    }
    return new Written(VERIFIED_SINGLE, etag);
  }

  private Written putMultipart(
      String key,
      String path,
      long size,
      int part,
      InputStream data,
      Map<String, String> meta,
      boolean verify) {
    String uploadId =
        s3.createMultipartUpload(r -> r.bucket(settings.bucket()).key(key).metadata(meta))
            .uploadId();
    try {
      byte[] buf = new byte[part];
      List<CompletedPart> parts = new ArrayList<>();
      MessageDigest ofPartMd5s = md5();
      boolean etagsAreMd5 = true;
      long sent = 0;
      for (int number = 1; sent < size; number++) {
        int want = (int) Math.min(part, size - sent);
        int n = fill(data, buf, want, path);
        if (n < want) {
          throw sourceChanged(path, sent + n, size);
        }
        byte[] md5 = md5(buf, n);
        ofPartMd5s.update(md5);
        int partNumber = number;
        var response =
            s3.uploadPart(
                r ->
                    r.bucket(settings.bucket())
                        .key(key)
                        .uploadId(uploadId)
                        .partNumber(partNumber)
                        .contentLength((long) n)
                        .contentMD5(Base64.getEncoder().encodeToString(md5)),
                body(buf, n));
        String etag = unquote(response.eTag());
        etagsAreMd5 &= etagIsMd5(response.serverSideEncryption(), response.sseCustomerAlgorithm());
        if (verify && etagsAreMd5 && !HexFormat.of().formatHex(md5).equalsIgnoreCase(etag)) {
          throw new StorageException.Transient(
              "verification failed for "
                  + where(path)
                  + ": S3 stored part "
                  + number
                  + " with ETag "
                  + etag
                  + " but the MD5 of its bytes is "
                  + HexFormat.of().formatHex(md5),
              null);
        }
        parts.add(CompletedPart.builder().partNumber(number).eTag(response.eTag()).build());
        sent += n;
      }
      requireExactSize(data, sent, size, path);
      var done =
          s3.completeMultipartUpload(
              r ->
                  r.bucket(settings.bucket())
                      .key(key)
                      .uploadId(uploadId)
                      .multipartUpload(m -> m.parts(parts)));
      String etag = unquote(done.eTag());
      if (!verify) {
        return new Written("none", etag);
      }
      if (!etagsAreMd5 || !etagIsMd5(done.serverSideEncryption(), null)) {
        return new Written(VERIFIED_CONTENT_MD5, etag);
      }
      String expected = HexFormat.of().formatHex(ofPartMd5s.digest()) + "-" + parts.size();
      if (!expected.equalsIgnoreCase(etag)) {
        throw new StorageException.Transient(
            "verification failed for "
                + where(path)
                + ": S3 stored multipart ETag "
                + etag
                + " but the bytes sent give "
                + expected,
            null);
      }
      return new Written(VERIFIED_MULTIPART, etag);
    } catch (RuntimeException | Error e) {
      abort(key, uploadId, e);
      throw e;
    }
  }

  private void abort(String key, String uploadId, Throwable failure) {
    try {
      s3.abortMultipartUpload(r -> r.bucket(settings.bucket()).key(key).uploadId(uploadId));
    } catch (RuntimeException e) {
      // The upload stays invisible; a bucket lifecycle rule removes stale ones.
      failure.addSuppressed(e);
    }
  }

  /** Reads up to {@code want} bytes into {@code buf}; fewer only at the end of the stream. */
  private int fill(InputStream data, byte[] buf, int want, String path) {
    try {
      return data.readNBytes(buf, 0, want);
    } catch (IOException e) {
      throw new StorageException.Transient(
          "could not read the source of " + where(path) + ": " + S3Errors.rootCause(e), e);
    }
  }

  private void requireExactSize(InputStream data, long got, long size, String path) {
    if (got < size) {
      throw sourceChanged(path, got, size);
    }
    try {
      if (data.read() != -1) {
        throw sourceChanged(path, -1, size);
      }
    } catch (IOException e) {
      throw new StorageException.Transient(
          "could not read the source of " + where(path) + ": " + S3Errors.rootCause(e), e);
    }
  }

  private StorageException sourceChanged(String path, long got, long size) {
    return new StorageException.Transient(
        "source changed while writing "
            + where(path)
            + ": expected "
            + size
            + " bytes, got "
            + (got < 0 ? "more" : String.valueOf(got)),
        null);
  }

  /**
   * Creates the bucket if it does not exist, once per instance. When the bucket cannot be checked
   * (no permission to), the write goes ahead and reports what S3 says.
   */
  private void ensureBucket() {
    if (bucketChecked) {
      return;
    }
    synchronized (this) {
      if (bucketChecked) {
        return;
      }
      String where = "s3://" + settings.bucket();
      try {
        s3.headBucket(r -> r.bucket(settings.bucket()));
      } catch (SdkException e) {
        StorageException se = S3Errors.classify(e, "checking the bucket", where);
        if (se instanceof StorageException.NotFound) {
          createBucket(where);
        } else if (se.retryable()) {
          throw se;
        }
      }
      bucketChecked = true;
    }
  }

  private void createBucket(String where) {
    try {
      Region region = settings.region();
      s3.createBucket(
          r -> {
            r.bucket(settings.bucket());
            if (!region.id().equals(S3Settings.DEFAULT_REGION)) {
              r.createBucketConfiguration(c -> c.locationConstraint(region.id()));
            }
          });
    } catch (SdkException e) {
      if (e instanceof SdkServiceException se
          && "BucketAlreadyOwnedByYou".equals(S3Errors.errorCode(se))) {
        return; // created meanwhile by another writer
      }
      throw S3Errors.classify(e, "creating the bucket", where);
    }
  }

  @Override
  public void mkdirs(String path) {
    SafePath.require(path); // S3 has no folders
  }

  @Override
  public void delete(String path) {
    String key = settings.key(SafePath.require(path));
    try {
      s3.deleteObject(r -> r.bucket(settings.bucket()).key(key));
    } catch (SdkException e) {
      StorageException se = S3Errors.classify(e, "deleting", where(path));
      if (!(se instanceof StorageException.NotFound)) {
        throw se;
      }
    }
  }

  @Override
  public void close() {
    s3.close();
  }

  /**
   * Epoch milliseconds as decimal epoch seconds, as rclone writes them ({@code 1500000000.123}).
   */
  static String formatMtime(long millis) {
    return BigDecimal.valueOf(millis, 3).toPlainString();
  }

  /**
   * Decimal epoch seconds (rclone's {@code mtime} metadata) as epoch milliseconds; -1 if unusable.
   */
  static long parseMtime(String seconds) {
    if (seconds == null || seconds.isBlank()) {
      return -1;
    }
    try {
      BigDecimal millis =
          new BigDecimal(seconds.trim()).movePointRight(3).setScale(0, RoundingMode.FLOOR);
      return millis.signum() < 0 ? -1 : millis.longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      return -1;
    }
  }

  /**
   * Whether S3 reports the MD5 of the bytes as ETag: it does for unencrypted objects and SSE-S3,
   * not for SSE-KMS or customer keys (then only the Content-MD5 check S3 made on receipt vouches
   * for them).
   */
  private static boolean etagIsMd5(ServerSideEncryption sse, String customerAlgorithm) {
    return customerAlgorithm == null
        && sse != ServerSideEncryption.AWS_KMS
        && sse != ServerSideEncryption.AWS_KMS_DSSE;
  }

  private static RequestBody body(byte[] buf, int n) {
    return RequestBody.fromContentProvider(
        () -> new ByteArrayInputStream(buf, 0, n), n, "application/octet-stream");
  }

  private static String unquote(String etag) {
    if (etag == null) {
      return null;
    }
    return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
        ? etag.substring(1, etag.length() - 1)
        : etag;
  }

  private static byte[] md5(byte[] buf, int n) {
    MessageDigest md = md5();
    md.update(buf, 0, n);
    return md.digest();
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
