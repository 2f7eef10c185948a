package dev.ferry.activities.storage.s3;

import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.NativeHash;
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
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
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
  private static final String SOURCE_CHANGED = "source changed";
  private static final String PARTS_REFUSED =
      "the server refused the parts kept from an interrupted upload";

  private static final Logger log = LoggerFactory.getLogger(S3Storage.class);

  private final S3Settings settings;

  /** Parts of one file sent at once. */
  static final int PARTS_IN_FLIGHT = 4;

  /** Part buffers being sent, for the whole process: memory stays at most this many parts. */
  private static final Semaphore PART_BUFFERS = new Semaphore(16);

  /** Part buffers kept for reuse, by size: parts are megabytes each, too big to make anew. */
  private static final java.util.concurrent.ConcurrentHashMap<
          Integer, java.util.concurrent.ConcurrentLinkedQueue<byte[]>>
      FREE_BUFFERS = new java.util.concurrent.ConcurrentHashMap<>();

  private static byte[] takeBuffer(int size) {
    byte[] b =
        FREE_BUFFERS
            .computeIfAbsent(size, k -> new java.util.concurrent.ConcurrentLinkedQueue<>())
            .poll();
    return b != null ? b : new byte[size];
  }

  private static void giveBack(byte[] b) {
    FREE_BUFFERS
        .computeIfAbsent(b.length, k -> new java.util.concurrent.ConcurrentLinkedQueue<>())
        .offer(b);
  }

  private final ExecutorService partUploads = Executors.newVirtualThreadPerTaskExecutor();
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
    try {
      if (size <= part && size > MIN_PART && options.resume().kept()) {
        // A larger part size than an earlier attempt's made this file a single PUT: an upload
        // that attempt left is of no use. (Smaller files were never multipart: nothing to look up.)
        abandon(key, path, options.resume());
      }
      return size <= part
          ? putSingle(key, path, (int) size, data, metadata, options)
          : putMultipart(key, path, source, part, data, metadata, options);
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
    byte[] buf = new byte[size];
    int n = fill(data, buf, size, path);
    requireExactSize(data, n, size, path);
    byte[] md5 = md5(buf, n);
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
   * A multipart upload, one part at a time. With {@link WriteOptions#resume()} kept, the upload id
   * is saved before the first part is sent and the upload survives a failure that may pass (a
   * network error, a throttled request, a crash, a pause): the next write of the same file
   * continues it, see {@link #resumable}. Parts already stored are not sent again when their size
   * and ETag match the MD5 of the bytes read for them now; the source is still read in full, since
   * the engine hashes every byte. A failure that will not pass, or a source that changed, aborts
   * the upload.
   */
  private Written putMultipart(
      String key,
      String path,
      Entry source,
      long requestedPart,
      InputStream data,
      Map<String, String> meta,
      WriteOptions options) {
    long size = source.size();
    boolean verify = options.verify();
    UploadState state = options.resume();
    Resumable resumed = resumable(key, path, source, state);
    int part = (int) (resumed != null ? resumed.partSize() : requestedPart);
    String uploadId;
    Map<Integer, Part> stored;
    if (resumed != null) {
      uploadId = resumed.uploadId();
      stored = resumed.parts();
    } else {
      uploadId =
          s3.createMultipartUpload(r -> r.bucket(settings.bucket()).key(key).metadata(meta))
              .uploadId();
      stored = Map.of();
      try {
        state.save(new SavedUpload(size, source.mtimeMillis(), part, uploadId).format());
      } catch (RuntimeException e) {
        abort(key, uploadId, e);
        throw e;
      }
    }
    boolean reusedAny = false;
    List<Future<CompletedPart>> order = new ArrayList<>();
    try {
      List<CompletedPart> parts = new ArrayList<>();
      MessageDigest ofPartMd5s = md5();
      AtomicBoolean etagsAreMd5 = new AtomicBoolean(true);
      long sent = 0;
      for (int number = 1; sent < size; number++) {
        int want = (int) Math.min(part, size - sent);
        // Parts are read here, in order, and sent by up to PARTS_IN_FLIGHT uploads at once; the
        // process-wide PART_BUFFERS bound keeps memory to a fixed number of parts.
        acquireBuffer();
        boolean handedOver = false;
        byte[] buf = takeBuffer(part);
        try {
          int n = fill(data, buf, want, path);
          if (n < want) {
            throw sourceChanged(path, sent + n, size);
          }
          byte[] md5 = md5(buf, n);
          String md5Hex = HexFormat.of().formatHex(md5);
          ofPartMd5s.update(md5);
          Part old = stored.get(number);
          sent += n;
          if (old != null
              && old.size() != null
              && old.size() == n
              && md5Hex.equalsIgnoreCase(unquote(old.eTag()))) {
            // stored by an earlier attempt, with these very bytes: not sent again
            order.add(
                CompletableFuture.completedFuture(
                    CompletedPart.builder().partNumber(number).eTag(old.eTag()).build()));
            reusedAny = true;
            continue;
          }
          int partNumber = number;
          order.add(
              partUploads.submit(
                  () -> {
                    try {
                      return uploadPart(
                          key,
                          path,
                          uploadId,
                          partNumber,
                          buf,
                          n,
                          md5,
                          md5Hex,
                          verify,
                          etagsAreMd5,
                          options);
                    } finally {
                      giveBack(buf);
                      PART_BUFFERS.release();
                    }
                  }));
          handedOver = true;
        } finally {
          if (!handedOver) {
            giveBack(buf);
            PART_BUFFERS.release();
          }
        }
        // keep at most PARTS_IN_FLIGHT uploads of this file running; a failure surfaces here
        int running = 0;
        for (Future<CompletedPart> f : order) {
          if (!f.isDone()) {
            running++;
          }
        }
        for (int i = 0; running >= PARTS_IN_FLIGHT && i < order.size(); i++) {
          if (!order.get(i).isDone()) {
            await(order.get(i));
            running--;
          }
        }
      }
      for (Future<CompletedPart> f : order) {
        parts.add(await(f));
      }
      boolean allMd5 = etagsAreMd5.get();
      requireExactSize(data, sent, size, path);
      CompleteMultipartUploadResponse done;
      try {
        done =
            s3.completeMultipartUpload(
                r ->
                    r.bucket(settings.bucket())
                        .key(key)
                        .uploadId(uploadId)
                        .multipartUpload(m -> m.parts(parts)));
      } catch (SdkServiceException e) {
        String code = S3Errors.errorCode(e);
        if (reusedAny && ("InvalidPart".equals(code) || "InvalidPartOrder".equals(code))) {
          // the server would not take a part it listed: start this file afresh next time
          throw new StorageException.Transient(
              PARTS_REFUSED + " of " + where(path) + " (" + code + "); starting the upload again",
              e);
        }
        throw e;
      }
      state.clear(); // the upload is complete: nothing left to resume
      String etag = unquote(done.eTag());
      if (!verify) {
        return new Written("none", etag);
      }
      if (!allMd5 || !etagIsMd5(done.serverSideEncryption(), null)) {
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
      // parts already on their way are good parts for a resume: let them land before deciding
      for (Future<CompletedPart> f : order) {
        try {
          f.get();
        } catch (Exception ignored) {
          // the first failure is the one reported
        }
      }
      if (!state.kept() || !worthResuming(e)) {
        abort(key, uploadId, e);
        clearQuietly(state, e);
      }
      throw e;
    }
  }

  private CompletedPart uploadPart(
      String key,
      String path,
      String uploadId,
      int number,
      byte[] buf,
      int n,
      byte[] md5,
      String md5Hex,
      boolean verify,
      AtomicBoolean etagsAreMd5,
      WriteOptions options) {
    var response =
        s3.uploadPart(
            r ->
                r.bucket(settings.bucket())
                    .key(key)
                    .uploadId(uploadId)
                    .partNumber(number)
                    .contentLength((long) n)
                    .contentMD5(Base64.getEncoder().encodeToString(md5)),
            body(buf, n));
    options.sent().accept(n);
    String etag = unquote(response.eTag());
    boolean isMd5 = etagIsMd5(response.serverSideEncryption(), response.sseCustomerAlgorithm());
    if (!isMd5) {
      etagsAreMd5.set(false);
    }
    if (verify && isMd5 && !md5Hex.equalsIgnoreCase(etag)) {
      throw new StorageException.Transient(
          "verification failed for "
              + where(path)
              + ": S3 stored part "
              + number
              + " with ETag "
              + etag
              + " but the MD5 of its bytes is "
              + md5Hex,
          null);
    }
    return CompletedPart.builder().partNumber(number).eTag(response.eTag()).build();
  }

  private static void acquireBuffer() {
    try {
      PART_BUFFERS.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Transient("interrupted while waiting to send a part", e);
    }
  }

  /** The result of a part upload; its failure is rethrown as it was raised. */
  private static CompletedPart await(Future<CompletedPart> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Transient("interrupted while sending parts", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new StorageException.Transient("sending a part: " + e.getCause(), e.getCause());
    }
  }

  /**
   * Whether an upload that failed with {@code e} may be continued by a later attempt: yes after
   * network errors, server errors, throttling, a stop (pause, cancel) or anything else that is not
   * a request S3 refused for good; no when the source changed while it was read or S3 refused the
   * upload (or its reused parts) for good.
   */
  private static boolean worthResuming(Throwable e) {
    if (e instanceof StorageException se) {
      String m = se.getMessage() == null ? "" : se.getMessage();
      return se.retryable() && !m.startsWith(SOURCE_CHANGED) && !m.startsWith(PARTS_REFUSED);
    }
    if (e instanceof SdkException sdk) {
      return S3Errors.classify(sdk, "writing", "").retryable();
    }
    return true; // a stop request or an unexpected error: the parts stored are still good
  }

  /**
   * The unfinished upload an earlier attempt left for this file, if it can be continued, with its
   * stored parts. It must be the one recorded in {@code state} (Ferry knows what that upload was
   * started for: S3 cannot tell the metadata of an unfinished upload), for the same size and
   * modification time, and still listed by ListMultipartUploads for this exact key. An upload
   * recorded for another size or time is aborted. When the server cannot list uploads or parts (not
   * implemented, not permitted) the file is uploaded afresh.
   */
  private Resumable resumable(String key, String path, Entry source, UploadState state) {
    Optional<String> text = state.load();
    if (text.isEmpty()) {
      return null;
    }
    SavedUpload saved = SavedUpload.parse(text.get());
    if (saved == null) {
      state.clear();
      return null;
    }
    if (saved.size() != source.size()
        || saved.mtimeMillis() != source.mtimeMillis()
        || saved.partSize() < MIN_PART
        || saved.partSize() > MAX_PART_IN_MEMORY
        || (source.size() + saved.partSize() - 1) / saved.partSize() > MAX_PARTS) {
      // started for another version of the file: of no use now
      log.info(
          "aborting the unfinished upload of {}: it was started for another version of the file",
          where(path));
      abort(key, saved.uploadId(), null);
      state.clear();
      return null;
    }
    try {
      boolean listed = false;
      for (MultipartUpload u :
          s3.listMultipartUploadsPaginator(r -> r.bucket(settings.bucket()).prefix(key))
              .uploads()) {
        if (key.equals(u.key()) && saved.uploadId().equals(u.uploadId())) {
          listed = true;
          break;
        }
      }
      if (!listed) {
        state.clear(); // completed, aborted or expired meanwhile
        return null;
      }
      Map<Integer, Part> parts = new HashMap<>();
      for (Part p :
          s3.listPartsPaginator(
                  r -> r.bucket(settings.bucket()).key(key).uploadId(saved.uploadId()))
              .parts()) {
        if (p.partNumber() != null) {
          parts.put(p.partNumber(), p);
        }
      }
      log.info(
          "continuing the unfinished upload of {}: {} part(s) already stored",
          where(path),
          parts.size());
      return new Resumable(saved.uploadId(), saved.partSize(), parts);
    } catch (SdkException e) {
      if (e instanceof SdkServiceException se && "NoSuchUpload".equals(S3Errors.errorCode(se))) {
        state.clear();
        return null;
      }
      StorageException se =
          S3Errors.classify(e, "looking up the unfinished upload of", where(path));
      if (se.retryable()) {
        throw se;
      }
      log.warn(
          "cannot continue the unfinished upload of {} ({}); uploading it afresh",
          where(path),
          se.getMessage());
      abort(key, saved.uploadId(), se);
      state.clear();
      return null;
    }
  }

  /** Aborts and forgets the unfinished upload recorded for this file, if there is one. */
  private void abandon(String key, String path, UploadState state) {
    Optional<String> text = state.load();
    if (text.isEmpty()) {
      return;
    }
    SavedUpload saved = SavedUpload.parse(text.get());
    if (saved != null) {
      log.info(
          "aborting the unfinished upload of {}: it is now written in one request", where(path));
      abort(key, saved.uploadId(), null);
    }
    state.clear();
  }

  /** An unfinished upload to continue: its id, part size, and the parts S3 holds by number. */
  private record Resumable(String uploadId, long partSize, Map<Integer, Part> parts) {}

  /**
   * What Ferry records about a multipart upload it started, as one line of text: {@code
   * s3-multipart size=N mtime=MILLIS part=BYTES upload=ID}. The upload id is last because it is the
   * server's text.
   */
  record SavedUpload(long size, long mtimeMillis, long partSize, String uploadId) {
    private static final String TAG = "s3-multipart";

    String format() {
      return TAG
          + " size="
          + size
          + " mtime="
          + mtimeMillis
          + " part="
          + partSize
          + " upload="
          + uploadId;
    }

    /** The record, or null when the text is not one (another connector's, or damaged). */
    static SavedUpload parse(String text) {
      String[] f = text.split(" ", 5);
      if (f.length != 5
          || !f[0].equals(TAG)
          || !f[1].startsWith("size=")
          || !f[2].startsWith("mtime=")
          || !f[3].startsWith("part=")
          || !f[4].startsWith("upload=")
          || f[4].length() == "upload=".length()) {
        return null;
      }
      try {
        return new SavedUpload(
            Long.parseLong(f[1].substring(5)),
            Long.parseLong(f[2].substring(6)),
            Long.parseLong(f[3].substring(5)),
            f[4].substring(7));
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  private static void clearQuietly(UploadState state, Throwable failure) {
    try {
      state.clear();
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
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
        SOURCE_CHANGED
            + " while writing "
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
    partUploads.shutdown();
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
