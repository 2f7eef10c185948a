package dev.ferry.activities.storage.s3;

import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.NativeHash;
import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.activities.storage.upload.ChunkedUpload;
import dev.ferry.activities.storage.upload.SavedUpload;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.Part;
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
 * <p>Writes up to one part in size are a single PutObject, sent by {@link DirectPut} around the
 * SDK's request pipeline (which was most of the CPU of a small-file copy); larger ones are a
 * multipart upload through the SDK, up to {@value #PARTS_IN_FLIGHT} parts at a time. Every upload
 * request carries {@code Content-MD5}, so S3 itself refuses bytes damaged on the way; with
 * verification on, the ETags S3 returns are compared with the MD5s of the bytes consumed. A
 * multipart upload that fails is aborted, so nothing partial becomes visible under the key. The SDK
 * does not retry: Ferry's engine retries whole files and counts the attempts.
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
  private static final java.util.regex.Pattern SINGLE_PART_ETAG =
      java.util.regex.Pattern.compile("[0-9a-fA-F]{32}");
  static final String VERIFIED_SINGLE = "md5-etag";
  static final String VERIFIED_MULTIPART = "md5-multipart-etag";
  static final String VERIFIED_CONTENT_MD5 = "content-md5";

  private static final Logger log = LoggerFactory.getLogger(S3Storage.class);

  private final S3Settings settings;

  /** Parts of one file sent at once. */
  static final int PARTS_IN_FLIGHT = 4;

  private final SdkHttpClient http;
  private final S3Client s3;
  private final Optional<DirectPut> directPut;
  private final Capabilities capabilities;
  private volatile boolean bucketChecked;

  /** Connects to the store described by {@code settings}; no request is made until first use. */
  public S3Storage(S3Settings settings) {
    this.settings = settings;
    this.http = httpClient();
    this.s3 = client(settings, http);
    this.directPut = DirectPut.create(s3, http, settings);
    int prefixBytes =
        settings.prefix().isEmpty()
            ? 0
            : (settings.prefix() + "/").getBytes(StandardCharsets.UTF_8).length;
    this.capabilities =
        new Capabilities(
            false, 1, VERIFIED_SINGLE, Math.max(1, MAX_KEY_BYTES - prefixBytes), false, true);
  }

  /**
   * The S3 client: Apache HTTP client with {@value #MAX_CONNECTIONS} connections, no SDK retries,
   * and flexible checksums only where an operation requires them (S3-compatible servers such as
   * s3proxy do not all understand them; Content-MD5 protects the bytes instead).
   *
   * <p>Bodies are sent plain, never {@code aws-chunked}: over {@code http://} the SDK would
   * otherwise sign them chunk by chunk, and s3proxy answers a zero-byte chunked PUT before reading
   * its final chunk and then drops the connection, so the next request on it fails ("Broken pipe"),
   * which with SDK retries off becomes a failed file. Bodies are sent as {@code UNSIGNED-PAYLOAD}
   * over http as well as https ({@link UnsignedPayloadAuthScheme}): the signed {@code Content-MD5}
   * protects them, and the SDK's SHA-256 of every body was a third hash of every byte.
   */
  static S3Client client(S3Settings settings, SdkHttpClient http) {
    S3ClientBuilder b =
        S3Client.builder()
            .httpClient(http)
            .region(settings.region())
            .credentialsProvider(settings.credentials())
            .putAuthScheme(new UnsignedPayloadAuthScheme())
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

  /**
   * The connection pool, shared by the SDK client and {@link DirectPut}; closed by us. The client
   * does not add {@code Expect: 100-continue} on its own: a small PUT would wait a round trip for
   * the server's go-ahead before sending its few kilobytes. (The SDK still asks for it on part
   * uploads, where not sending megabytes to a server that refuses them is worth the wait.)
   */
  static SdkHttpClient httpClient() {
    return ApacheHttpClient.builder()
        .expectContinueEnabled(false)
        .maxConnections(MAX_CONNECTIONS)
        .connectionTimeout(Duration.ofSeconds(10))
        .socketTimeout(Duration.ofSeconds(60))
        .connectionAcquisitionTimeout(Duration.ofSeconds(60))
        .build();
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
    list(sink, problems, (p, h) -> {});
  }

  /**
   * Lists as {@link #list(Consumer, Consumer)}; an object whose ETag is that of a single-part
   * upload (32 hex digits, no {@code -N} of a multipart upload) has it told as its MD5. S3 makes
   * that ETag the MD5 of the bytes except under SSE-KMS or customer keys, which a listing does not
   * show: a comparison that finds such an ETag differ confirms by reading the object.
   */
  @Override
  public void list(
      Consumer<Entry> sink,
      Consumer<ListingProblem> problems,
      java.util.function.BiConsumer<String, NativeHash> hashes) {
    String prefix = settings.prefix().isEmpty() ? "" : settings.prefix() + "/";
    try {
      // The paginator fetches one page (up to 1,000 keys) at a time, as the loop asks for it.
      for (S3Object o :
          s3.listObjectsV2Paginator(
                  // URL-encoded keys: a key may hold characters XML 1.0 cannot carry (U+0001);
                  // the SDK decodes them again
                  r -> r.bucket(settings.bucket()).prefix(prefix).encodingType(EncodingType.URL))
              .contents()) {
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
        String etag = unquote(o.eTag());
        if (etag != null && SINGLE_PART_ETAG.matcher(etag).matches()) {
          hashes.accept(path, new NativeHash(NativeHash.MD5, etag.toLowerCase(), "S3 ETag"));
        }
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
    var plan = new ChunkedUpload.Plan("s3-multipart", where(path), part, PARTS_IN_FLIGHT, true);
    Multipart upload = new Multipart(key, plan.where(), metadata, options.verify());
    try {
      if (size <= part) {
        if (size > MIN_PART && options.resume().kept()) {
          // A larger part size than an earlier attempt's made this file a single PUT: an upload
          // that attempt left is of no use. (Smaller files were never multipart.)
          ChunkedUpload.forget(plan, upload, options.resume());
        }
        return putSingle(key, path, (int) size, data, metadata, options);
      }
      return ChunkedUpload.write(plan, upload, source, data, options);
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
      WriteOptions options) {
    boolean verify = options.verify();
    byte[] buf = ChunkedUpload.readWhole(data, size, where(path));
    int n = size;
    byte[] md5 = ChunkedUpload.md5(buf, n);
    String contentMd5 = Base64.getEncoder().encodeToString(md5);
    DirectPut.Result response;
    if (directPut.isPresent()) {
      response = directPut.get().put(key, buf, n, contentMd5, meta);
    } else {
      var r =
          s3.putObject(
              q ->
                  q.bucket(settings.bucket())
                      .key(key)
                      .contentLength((long) n)
                      .contentMD5(contentMd5)
                      .metadata(meta),
              body(buf, n));
      response = new DirectPut.Result(r.eTag(), r.serverSideEncryption(), r.sseCustomerAlgorithm());
    }
    options.sent().accept(n);
    String etag = unquote(response.eTag());
    if (!verify) {
      return new Written("none", etag);
    }
    if (!etagIsMd5(response.sse(), response.sseCustomerAlgorithm())) {
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

  /**
   * A multipart upload of one file, for {@link ChunkedUpload}, up to {@value #PARTS_IN_FLIGHT}
   * parts at a time. Its record ({@code s3-multipart}) holds the upload id. An upload is continued
   * when it is the one recorded (Ferry knows what that upload was started for: S3 cannot tell the
   * metadata of an unfinished upload) and ListMultipartUploads still lists it for this exact key;
   * parts already stored are not sent again when their size and ETag match the MD5 of the bytes
   * read for them now. When the server cannot list uploads or parts (not implemented, not
   * permitted) the file is uploaded afresh.
   */
  private final class Multipart implements ChunkedUpload.Connector<CompletedPart> {
    private final String key;
    private final String where;
    private final Map<String, String> meta;
    private final boolean verify;

    Multipart(String key, String where, Map<String, String> meta, boolean verify) {
      this.key = key;
      this.where = where;
      this.meta = meta;
      this.verify = verify;
    }

    @Override
    public boolean usable(SavedUpload saved) {
      return saved.upload() != null
          && saved.partSize() >= MIN_PART
          && saved.partSize() <= MAX_PART_IN_MEMORY
          && (saved.size() + saved.partSize() - 1) / saved.partSize() <= MAX_PARTS;
    }

    @Override
    public void discard(SavedUpload saved) {
      if (saved.upload() != null) {
        abort(key, saved.upload(), null);
      }
    }

    @Override
    public ChunkedUpload.Session<CompletedPart> open(long partSize) {
      try {
        String id =
            s3.createMultipartUpload(r -> r.bucket(settings.bucket()).key(key).metadata(meta))
                .uploadId();
        return new Upload(this, id, Map.of());
      } catch (SdkException e) {
        throw S3Errors.classify(e, "writing", where);
      }
    }

    @Override
    public Optional<ChunkedUpload.Session<CompletedPart>> resume(SavedUpload saved) {
      String uploadId = saved.upload();
      try {
        boolean listed = false;
        for (MultipartUpload u :
            s3.listMultipartUploadsPaginator(r -> r.bucket(settings.bucket()).prefix(key))
                .uploads()) {
          if (key.equals(u.key()) && uploadId.equals(u.uploadId())) {
            listed = true;
            break;
          }
        }
        if (!listed) {
          return Optional.empty(); // completed, aborted or expired meanwhile
        }
        Map<Integer, Part> parts = new HashMap<>();
        for (Part p :
            s3.listPartsPaginator(r -> r.bucket(settings.bucket()).key(key).uploadId(uploadId))
                .parts()) {
          if (p.partNumber() != null) {
            parts.put(p.partNumber(), p);
          }
        }
        log.info(
            "continuing the unfinished upload of {}: {} part(s) already stored",
            where,
            parts.size());
        return Optional.of(new Upload(this, uploadId, parts));
      } catch (SdkException e) {
        if (e instanceof SdkServiceException se && "NoSuchUpload".equals(S3Errors.errorCode(se))) {
          return Optional.empty();
        }
        StorageException se = S3Errors.classify(e, "looking up the unfinished upload of", where);
        if (se.retryable()) {
          throw se;
        }
        log.warn(
            "cannot continue the unfinished upload of {} ({}); uploading it afresh",
            where,
            se.getMessage());
        abort(key, uploadId, se);
        return Optional.empty();
      }
    }
  }

  /** One multipart upload: its id and the parts S3 held of it when it was continued, by number. */
  private final class Upload implements ChunkedUpload.Session<CompletedPart> {
    private final Multipart file;
    private final String uploadId;
    private final Map<Integer, Part> stored;
    private final AtomicBoolean etagsAreMd5 = new AtomicBoolean(true);
    private volatile boolean reusedAny;

    Upload(Multipart file, String uploadId, Map<Integer, Part> stored) {
      this.file = file;
      this.uploadId = uploadId;
      this.stored = stored;
    }

    @Override
    public String id() {
      return uploadId;
    }

    @Override
    public int stored(ChunkedUpload.Part part) {
      Part old = stored.get(part.index() + 1);
      if (old != null
          && old.size() != null
          && old.size() == part.length()
          && part.md5Hex().equalsIgnoreCase(unquote(old.eTag()))) {
        reusedAny = true; // stored by an earlier attempt, with these very bytes
        return part.length();
      }
      return 0;
    }

    @Override
    public CompletedPart writePart(ChunkedUpload.Part part, byte[] buf, int from) {
      int number = part.index() + 1;
      int n = part.length();
      try {
        var response =
            s3.uploadPart(
                r ->
                    r.bucket(settings.bucket())
                        .key(file.key)
                        .uploadId(uploadId)
                        .partNumber(number)
                        .contentLength((long) n)
                        .contentMD5(Base64.getEncoder().encodeToString(part.md5())),
                body(buf, n));
        String etag = unquote(response.eTag());
        boolean isMd5 = etagIsMd5(response.serverSideEncryption(), response.sseCustomerAlgorithm());
        if (!isMd5) {
          etagsAreMd5.set(false);
        }
        if (file.verify && isMd5 && !part.md5Hex().equalsIgnoreCase(etag)) {
          throw new StorageException.Transient(
              "verification failed for "
                  + file.where
                  + ": S3 stored part "
                  + number
                  + " with ETag "
                  + etag
                  + " but the MD5 of its bytes is "
                  + part.md5Hex(),
              null);
        }
        return CompletedPart.builder().partNumber(number).eTag(response.eTag()).build();
      } catch (SdkException e) {
        throw S3Errors.classify(e, "writing", file.where);
      }
    }

    @Override
    public Written complete(List<ChunkedUpload.Sent<CompletedPart>> sent, Runnable committed) {
      List<CompletedPart> parts = new ArrayList<>();
      MessageDigest ofPartMd5s = ChunkedUpload.newMd5();
      for (var s : sent) {
        ofPartMd5s.update(s.part().md5());
        int number = s.part().index() + 1;
        parts.add(
            s.receipt() != null
                ? s.receipt()
                : CompletedPart.builder()
                    .partNumber(number)
                    .eTag(stored.get(number).eTag())
                    .build());
      }
      CompleteMultipartUploadResponse done;
      try {
        done =
            s3.completeMultipartUpload(
                r ->
                    r.bucket(settings.bucket())
                        .key(file.key)
                        .uploadId(uploadId)
                        .multipartUpload(m -> m.parts(parts)));
      } catch (SdkException e) {
        String code = e instanceof SdkServiceException se ? S3Errors.errorCode(se) : null;
        if (reusedAny && ("InvalidPart".equals(code) || "InvalidPartOrder".equals(code))) {
          // the server would not take a part it listed: start this file afresh next time
          throw new StorageException.UploadLost(
              "the server refused the parts kept from an interrupted upload of "
                  + file.where
                  + " ("
                  + code
                  + "); starting the upload again",
              e);
        }
        throw S3Errors.classify(e, "writing", file.where);
      }
      committed.run();
      String etag = unquote(done.eTag());
      if (!file.verify) {
        return new Written("none", etag);
      }
      if (!etagsAreMd5.get() || !etagIsMd5(done.serverSideEncryption(), null)) {
        return new Written(VERIFIED_CONTENT_MD5, etag);
      }
      String expected = HexFormat.of().formatHex(ofPartMd5s.digest()) + "-" + parts.size();
      if (!expected.equalsIgnoreCase(etag)) {
        throw new StorageException.Transient(
            "verification failed for "
                + file.where
                + ": S3 stored multipart ETag "
                + etag
                + " but the bytes sent give "
                + expected,
            null);
      }
      return new Written(VERIFIED_MULTIPART, etag);
    }

    @Override
    public void abort() {
      S3Storage.this.abort(file.key, uploadId, null);
    }
  }

  private void abort(String key, String uploadId, Throwable failure) {
    try {
      s3.abortMultipartUpload(r -> r.bucket(settings.bucket()).key(key).uploadId(uploadId));
    } catch (RuntimeException e) {
      // The upload stays invisible; a bucket lifecycle rule removes stale ones.
      if (failure != null) {
        failure.addSuppressed(e);
      }
    }
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
    http.close();
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
}
