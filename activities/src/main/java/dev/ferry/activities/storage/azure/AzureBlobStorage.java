package dev.ferry.activities.storage.azure;

import com.azure.core.http.HttpClient;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.Block;
import com.azure.storage.blob.models.BlockList;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobListBlocksOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.options.BlockBlobStageBlockOptions;
import com.azure.storage.blob.specialized.BlobInputStream;
import com.azure.storage.blob.specialized.BlockBlobClient;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.NameRules;
import dev.ferry.activities.storage.NativeHash;
import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.activities.storage.upload.ChunkedUpload;
import dev.ferry.activities.storage.upload.SavedUpload;
import java.io.InputStream;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A container (and optional prefix) in Azure Blob Storage. Files are block blobs named {@code
 * prefix/path}; there are no folders.
 *
 * <p><b>Writes.</b> A file of at most one part ({@link Storage.WriteOptions#partSize()}) is one Put
 * Blob request carrying its Content-MD5, which the service checks. A larger file is staged as
 * blocks of one part each (raised when needed so a blob stays within 50,000 blocks), each with its
 * own Content-MD5 that the service checks, then committed by one Put Block List that sets the
 * blob's Content-MD5 (the MD5 of the whole content, computed while streaming), the {@code mtime}
 * metadata and the access tier. Staged blocks stay invisible until the commit, so a partial upload
 * never shows under the blob's name; the service discards uncommitted blocks after a week. A source
 * that gives more or fewer bytes than its entry's size fails before anything is committed ({@link
 * StorageException.Transient}). The container is created on the first write when it is missing.
 *
 * <p><b>Block ids</b> are deterministic: base64 of the fixed-width ASCII string {@code ferry-<first
 * 16 hex digits of SHA-256 of the blob name>-<block index, 6 digits>-<MD5 of the block, 32 hex>},
 * so every attempt at the same blob and bytes uses the same ids. All of Ferry's ids have the same
 * length, as Azure requires within one blob; blocks left by another tool with ids of another length
 * make Azure refuse the upload (InvalidBlobOrBlock) until they expire or are committed over.
 *
 * <p><b>Resume.</b> With {@link Storage.WriteOptions#resume()} kept, the size, mtime and block size
 * of a block upload are saved before its first block is staged; the next write of the same version
 * of the file keeps that block size, lists the blob's uncommitted blocks (Get Block List: ids and
 * sizes only) and stages only the blocks whose id (index and MD5 of the bytes read now) and size
 * are not there. A block found under its id was checked by Azure against that same MD5 when it was
 * staged, so reused blocks hold exactly the bytes read now. Reused blocks are not reported to
 * {@link Storage.WriteOptions#sent()}.
 *
 * <p><b>Verification</b> ({@code md5-content}): after the write Ferry reads the blob's properties
 * (pinned to the ETag the write returned) and compares the size and the Content-MD5 the service
 * reports with what it sent. The hash returned is that MD5 in hex.
 *
 * <p><b>Times.</b> The source's modification time is stored in the metadata {@code mtime} in
 * rclone's azureblob format (RFC 3339 in UTC with nanoseconds); reading accepts that and, as
 * rclone's S3 and Swift backends write it, epoch seconds as a decimal string. Without it the blob's
 * Last-Modified is the time.
 *
 * <p><b>Names.</b> See {@link #nameProblem(String)} for the exact rule. Folder markers written by
 * other tools (names ending in {@code /}, or metadata {@code hdi_isfolder=true}) are not listed.
 *
 * <p>The SDK's own retries are off (one try per request): Ferry's engine retries whole files and
 * counts the attempts. Errors are classified by {@link AzureErrors}. Thread-safe.
 */
public final class AzureBlobStorage implements Storage {
  /** Longest blob name Azure accepts, in characters (UTF-16 code units). */
  public static final int MAX_NAME_CHARS = 1024;

  /** Most {@code /}-separated segments Azure allows in a blob name. */
  public static final int MAX_SEGMENTS = 254;

  static final int MAX_BLOCKS = 50_000;
  static final String MTIME_KEY = "mtime";
  static final String NATIVE_HASH = "md5-content";
  private static final String FOLDER_KEY = "hdi_isfolder";
  private static final String DEFAULT_HOST_SUFFIX = ".blob.core.windows.net";

  /** SDK class: com.azure.storage.common.policy.RequestRetryOptions; maxTries 1 = no retries. */
  static final RequestRetryOptions NO_RETRIES =
      new RequestRetryOptions(RetryPolicyType.FIXED, 1, (Duration) null, null, null, null);

  private final BlobContainerClient container;
  private final String prefix;
  private final AccessTier tier;
  private final String location;
  private final Capabilities capabilities;

  AzureBlobStorage(BlobContainerClient container, String prefix, String tier, String location) {
    this.container = container;
    this.prefix = prefix;
    this.tier = tier == null ? null : AccessTier.fromString(tier);
    this.location = location;
    int prefixBytes = prefix.isEmpty() ? 0 : (prefix + "/").getBytes(StandardCharsets.UTF_8).length;
    this.capabilities =
        new Capabilities(false, 1, NATIVE_HASH, MAX_NAME_CHARS - prefixBytes, false, true);
  }

  /**
   * Refuses a connection string whose {@code AccountKey} is not base64, naming the setting and
   * never the key.
   */
  static void requireBase64Key(String connectionString) {
    for (String part : connectionString.split(";")) {
      int eq = part.indexOf('=');
      if (eq > 0 && part.substring(0, eq).trim().equalsIgnoreCase("AccountKey")) {
        try {
          Base64.getDecoder().decode(part.substring(eq + 1).trim());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "the AccountKey in "
                  + AzureSettings.CONNECTION_STRING
                  + " is not a valid account key (expected base64, as the portal's Access keys"
                  + " page shows it): copy the connection string again");
        }
      }
    }
  }

  /**
   * A connector for {@code settings}. Makes no request: bad credentials show on the first call.
   *
   * @throws IllegalArgumentException when the connection string or endpoint is malformed
   */
  public static AzureBlobStorage fromSettings(AzureSettings settings) {
    if (settings.credentials() instanceof AzureSettings.ConnectionString cs) {
      // the SDK decodes the key only when it signs the first request, and that failure read as
      // "could not reach Azure", retried for minutes
      requireBase64Key(cs.value());
    }
    BlobServiceClientBuilder b =
        new BlobServiceClientBuilder().httpClient(SharedHttp.CLIENT).retryOptions(NO_RETRIES);
    try {
      switch (settings.credentials()) {
        case AzureSettings.ConnectionString cs -> b.connectionString(cs.value());
        case AzureSettings.SharedKey k ->
            b.credential(new StorageSharedKeyCredential(k.account(), k.key()))
                .endpoint("https://" + k.account() + DEFAULT_HOST_SUFFIX);
        case AzureSettings.Sas s ->
            b.sasToken(s.token()).endpoint("https://" + s.account() + DEFAULT_HOST_SUFFIX);
      }
    } catch (IllegalArgumentException e) {
      // The SDK's message may quote the secret: give our own.
      throw new IllegalArgumentException(
          settings.credentials()
              + " is malformed"
              + (settings.credentials() instanceof AzureSettings.ConnectionString
                  ? ": expected DefaultEndpointsProtocol=...;AccountName=...;AccountKey=... (or"
                      + " SharedAccessSignature=...), optionally with BlobEndpoint=..."
                  : ""));
    }
    if (settings.endpoint() != null) {
      try {
        b.endpoint(settings.endpoint());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            AzureSettings.ENDPOINT
                + " is not a valid blob endpoint URL: "
                + AzureSettings.withoutQuery(settings.endpoint()));
      }
    }
    BlobContainerClient container = b.buildClient().getBlobContainerClient(settings.container());
    return new AzureBlobStorage(container, settings.prefix(), settings.tier(), settings.location());
  }

  /** The SDK client underneath, for tests that look at what was stored. */
  BlobContainerClient containerClient() {
    return container;
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  /** The C1 control characters U+0080–U+009F, which Azure does not allow in blob names. */
  static final String C1_CONTROLS;

  static {
    StringBuilder b = new StringBuilder();
    for (char c = '\u0080'; c <= '\u009f'; c++) {
      b.append(c);
    }
    C1_CONTROLS = b.toString();
  }

  /**
   * Azure's rules for the part of the name below the prefix ("Naming and Referencing Containers,
   * Blobs, and Metadata"): no control character (U+0000–U+001F and the C1 controls such as U+0081
   * are documented as not allowed; Azurite stores U+0001 but then cannot list the container), no
   * segment ending in {@code .} (dropped silently), the segment limit less the prefix's segments
   * (the length limit is the {@code maxPathBytes} capability), and a backslash is a folder
   * separator: the service turns {@code \} in a blob's URL into {@code /}, so {@code a\b} would be
   * stored as {@code a/b} (Azurite does the same). Remapping turns a trailing dot into {@code ．}, a
   * backslash into {@code ＼} and a control character U+0000–U+001F into its control picture; a C1
   * control cannot be remapped.
   */
  @Override
  public NameRules nameRules() {
    int prefixSegments = prefix.isEmpty() ? 0 : prefix.split("/", -1).length;
    return new NameRules(
        "Azure Blob Storage",
        C1_CONTROLS,
        true,
        java.util.Set.of(),
        java.util.List.of(),
        java.util.List.of(),
        false,
        true,
        0,
        MAX_SEGMENTS - prefixSegments,
        false,
        true);
  }

  @Override
  public String describe() {
    return location;
  }

  private String where(String path) {
    return location + "/" + path;
  }

  /**
   * Why Azure would not store {@code name} as given, or empty when it would. The rule: at most
   * {@value #MAX_NAME_CHARS} characters counted as UTF-16 code units (Java's {@code
   * String.length()}), at most {@value #MAX_SEGMENTS} segments, no control character
   * (U+0000–U+001F, U+0080–U+009F), and no segment ending in {@code .} (the service silently drops
   * trailing dots, so {@code a.} would be stored as {@code a}). The capability {@code maxPathBytes}
   * declares the same limit in UTF-8 bytes less the prefix, which is never looser: the engine
   * refuses longer paths at scan time, and this check catches the rest.
   */
  static Optional<String> nameProblem(String name) {
    if (name.length() > MAX_NAME_CHARS) {
      return Optional.of(
          "the blob name would be "
              + name.length()
              + " characters long; Azure allows at most "
              + MAX_NAME_CHARS);
    }
    String[] segments = name.split("/", -1);
    if (segments.length > MAX_SEGMENTS) {
      return Optional.of(
          "the blob name would have "
              + segments.length
              + " path segments; Azure allows at most "
              + MAX_SEGMENTS);
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || C1_CONTROLS.indexOf(c) >= 0) {
        // documented as not allowed; Azurite stores one, then cannot list the container
        return Optional.of(
            String.format(
                Locale.ROOT,
                "the name contains the control character U+%04X, which Azure does not allow",
                (int) c));
      }
    }
    for (String s : segments) {
      if (s.endsWith(".")) {
        return Optional.of(
            "'"
                + s
                + "' ends with '.', which Azure drops silently (it would be stored without it)");
      }
    }
    return Optional.empty();
  }

  private String blobName(String path) {
    String name = SafePath.join(prefix, SafePath.require(path, true));
    nameProblem(name)
        .ifPresent(
            p -> {
              throw new StorageException.Permanent("refused path '" + path + "': " + p, null);
            });
    return name;
  }

  @Override
  public void list(Consumer<Entry> sink, Consumer<ListingProblem> problems) {
    list(sink, problems, (p, h) -> {});
  }

  /**
   * Lists as {@link #list(Consumer, Consumer)}; a blob with a Content-MD5 (every blob Ferry writes,
   * and every blob of one Put Blob) has it told as its MD5.
   */
  @Override
  public void list(
      Consumer<Entry> sink,
      Consumer<ListingProblem> problems,
      java.util.function.BiConsumer<String, NativeHash> hashes) {
    String listPrefix = prefix.isEmpty() ? "" : prefix + "/";
    ListBlobsOptions opts =
        new ListBlobsOptions()
            .setPrefix(listPrefix.isEmpty() ? null : listPrefix)
            .setDetails(new BlobListDetails().setRetrieveMetadata(true));
    Iterator<BlobItem> it = null;
    while (true) {
      BlobItem item;
      try {
        if (it == null) {
          it = container.listBlobs(opts, null).iterator();
        }
        if (!it.hasNext()) {
          return;
        }
        item = it.next();
      } catch (BlobStorageException e) {
        if (e.getErrorCode() == BlobErrorCode.CONTAINER_NOT_FOUND) {
          return; // a root that does not exist lists nothing
        }
        throw AzureErrors.classify("list " + location, e);
      } catch (RuntimeException e) {
        throw AzureErrors.classify("list " + location, e);
      }
      if (!item.getName().startsWith(listPrefix) || isFolderMarker(item)) {
        continue;
      }
      Long size = item.getProperties().getContentLength();
      String path = item.getName().substring(listPrefix.length());
      sink.accept(
          Entry.file(
              path,
              size == null ? 0 : size,
              Mtime.of(item.getMetadata(), item.getProperties().getLastModified())));
      byte[] md5 = item.getProperties().getContentMd5();
      if (md5 != null && md5.length == 16) {
        hashes.accept(
            path,
            new NativeHash(
                NativeHash.MD5, java.util.HexFormat.of().formatHex(md5), "Azure Content-MD5"));
      }
    }
  }

  private static boolean isFolderMarker(BlobItem item) {
    Map<String, String> md = item.getMetadata();
    return item.getName().endsWith("/")
        || (md != null && "true".equalsIgnoreCase(Mtime.get(md, FOLDER_KEY)));
  }

  @Override
  public Optional<Entry> stat(String path) {
    if (path.isEmpty()) {
      return Optional.empty();
    }
    try {
      BlobProperties p = container.getBlobClient(blobName(path)).getProperties();
      return Optional.of(
          Entry.file(path, p.getBlobSize(), Mtime.of(p.getMetadata(), p.getLastModified())));
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 404) {
        return Optional.empty();
      }
      throw AzureErrors.classify("stat " + where(path), e);
    } catch (RuntimeException e) {
      throw AzureErrors.classify("stat " + where(path), e);
    }
  }

  @Override
  public InputStream open(String path) {
    String name = blobName(path);
    BlobInputStream in;
    try {
      in = container.getBlobClient(name).openInputStream();
    } catch (RuntimeException e) {
      throw AzureErrors.classify("open " + where(path), e);
    }
    // Usually the SDK's first ranged read already fails with BlobArchived; this covers the rest.
    if (AccessTier.ARCHIVE.equals(in.getProperties().getAccessTier())) {
      in.close();
      throw new StorageException.Permanent(
          "open "
              + where(path)
              + ": the blob is in the Archive tier: rehydrate it to Hot, Cool or Cold first",
          null);
    }
    return in;
  }

  @Override
  public Written write(String path, Entry source, InputStream data, WriteOptions options) {
    String name = blobName(path);
    BlockBlobClient blob = container.getBlobClient(name).getBlockBlobClient();
    long expected = source.size();
    int partSize = partSize(options.partSize(), expected);
    Map<String, String> metadata =
        source.mtimeMillis() >= 0 ? Map.of(MTIME_KEY, Mtime.format(source.mtimeMillis())) : null;
    BlobHttpHeaders headers = new BlobHttpHeaders().setContentType(contentType(path));
    var plan = new ChunkedUpload.Plan("azure-blocks", where(path), partSize, 1, true);
    Blocks blocks = new Blocks(blob, name, path, headers, metadata, options);
    if (expected > partSize) {
      return ChunkedUpload.write(plan, blocks, source, data, options);
    }
    byte[] buf = ChunkedUpload.readWhole(data, (int) Math.max(expected, 0), where(path));
    byte[] md5 = ChunkedUpload.md5(buf, buf.length);
    headers.setContentMd5(md5);
    BlockBlobSimpleUploadOptions upload =
        new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(buf))
            .setContentMd5(md5)
            .setHeaders(headers)
            .setMetadata(metadata)
            .setTier(tier);
    if (options.resume().kept()) {
      ChunkedUpload.forget(
          plan, blocks, options.resume()); // an earlier attempt's blocks: discarded
    }
    String etag =
        call(
                "upload " + where(path),
                true,
                () -> blob.uploadWithResponse(upload, null, Context.NONE))
            .getValue()
            .getETag();
    options.sent().accept(buf.length);
    return verified(blob, path, etag, buf.length, md5, options);
  }

  /**
   * A block upload of one blob, for {@link ChunkedUpload}: its record ({@code azure-blocks}) holds
   * the size, mtime and block size; the blocks an earlier attempt staged are found by Get Block
   * List, their ids saying which index and MD5 each holds (see {@link #blockId}).
   */
  private final class Blocks implements ChunkedUpload.Connector<String> {
    private final BlockBlobClient blob;
    private final String name;
    private final String path;
    private final BlobHttpHeaders headers;
    private final Map<String, String> metadata;
    private final WriteOptions options;

    Blocks(
        BlockBlobClient blob,
        String name,
        String path,
        BlobHttpHeaders headers,
        Map<String, String> metadata,
        WriteOptions options) {
      this.blob = blob;
      this.name = name;
      this.path = path;
      this.headers = headers;
      this.metadata = metadata;
      this.options = options;
    }

    /** An earlier attempt's blocks are of use only with its block boundaries: its part size. */
    @Override
    public boolean usable(SavedUpload saved) {
      return saved.partSize() >= 1
          && saved.partSize() < Integer.MAX_VALUE - 16
          && (saved.size() + saved.partSize() - 1) / saved.partSize() <= MAX_BLOCKS;
    }

    @Override
    public ChunkedUpload.Session<String> open(long partSize) {
      return new Staging(this, Map.of());
    }

    @Override
    public Optional<ChunkedUpload.Session<String>> resume(SavedUpload saved) {
      return Optional.of(new Staging(this, uncommitted(blob, path)));
    }
  }

  /** The blocks of one upload, staged one after the other, and the blob's MD5 as they are read. */
  private final class Staging implements ChunkedUpload.Session<String> {
    private final Blocks file;
    private final Map<String, Long> staged;
    private final String idBase;
    private final MessageDigest whole = ChunkedUpload.newMd5();
    private long total;
    private boolean stagedAny;

    Staging(Blocks file, Map<String, Long> staged) {
      this.file = file;
      this.staged = staged;
      this.idBase = blockIdBase(file.name);
    }

    @Override
    public void read(byte[] buf, int n) {
      whole.update(buf, 0, n);
      total += n;
    }

    @Override
    public int stored(ChunkedUpload.Part part) {
      Long there = staged.get(blockId(idBase, part.index(), part.md5()));
      // staged by an earlier attempt with the same index and MD5: not sent again
      return there != null && there == part.length() ? part.length() : 0;
    }

    @Override
    public String writePart(ChunkedUpload.Part part, byte[] buf, int from) {
      String id = blockId(idBase, part.index(), part.md5());
      BlockBlobStageBlockOptions block =
          new BlockBlobStageBlockOptions(
                  id, BinaryData.fromByteBuffer(ByteBuffer.wrap(buf, 0, part.length())))
              .setContentMd5(part.md5());
      call(
          "upload a block of " + where(file.path),
          !stagedAny,
          () -> file.blob.stageBlockWithResponse(block, null, Context.NONE));
      stagedAny = true;
      return id;
    }

    @Override
    public Written complete(List<ChunkedUpload.Sent<String>> parts, Runnable committed) {
      List<String> ids = new ArrayList<>();
      for (var p : parts) {
        ids.add(blockId(idBase, p.part().index(), p.part().md5()));
      }
      byte[] md5 = whole.digest();
      file.headers.setContentMd5(md5);
      BlockBlobCommitBlockListOptions commit =
          new BlockBlobCommitBlockListOptions(ids)
              .setHeaders(file.headers)
              .setMetadata(file.metadata)
              .setTier(tier);
      String etag =
          call(
                  "commit " + ids.size() + " blocks of " + where(file.path),
                  false,
                  () -> file.blob.commitBlockListWithResponse(commit, null, Context.NONE))
              .getValue()
              .getETag();
      committed.run(); // the staged blocks are part of the blob now
      return verified(file.blob, file.path, etag, total, md5, file.options);
    }

    @Override
    public void abort() {
      // nothing to do: the service discards uncommitted blocks after a week
    }
  }

  /**
   * The blocks an earlier attempt staged for this blob and left uncommitted, by id, with their
   * sizes (Get Block List tells ids and sizes, no hashes: the MD5 is in Ferry's block id, see
   * {@link #blockId}). None when the blob has no block list; when the service cannot tell for a
   * reason that will not pass, the file is sent afresh.
   */
  private Map<String, Long> uncommitted(BlockBlobClient blob, String path) {
    try {
      BlockList list =
          blob.listBlocksWithResponse(
                  new BlockBlobListBlocksOptions(BlockListType.UNCOMMITTED), null, Context.NONE)
              .getValue();
      Map<String, Long> staged = new HashMap<>();
      if (list.getUncommittedBlocks() != null) {
        for (Block b : list.getUncommittedBlocks()) {
          staged.put(b.getName(), b.getSizeLong());
        }
      }
      return staged;
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 404) {
        return Map.of(); // nothing staged (or the container is gone): upload afresh
      }
      StorageException se = AzureErrors.classify("list the staged blocks of " + where(path), e);
      if (se.retryable()) {
        throw se;
      }
      return Map.of();
    } catch (RuntimeException e) {
      throw AzureErrors.classify("list the staged blocks of " + where(path), e);
    }
  }

  private Written verified(
      BlockBlobClient blob,
      String path,
      String etag,
      long total,
      byte[] md5,
      WriteOptions options) {
    if (!options.verify()) {
      return new Written("none", null);
    }
    BlobProperties p =
        call(
                "check " + where(path),
                false,
                () ->
                    blob.getPropertiesWithResponse(
                        new BlobRequestConditions().setIfMatch(etag), null, Context.NONE))
            .getValue();
    String sent = HexFormat.of().formatHex(md5);
    byte[] stored = p.getContentMd5();
    if (p.getBlobSize() != total || stored == null || !Arrays.equals(stored, md5)) {
      throw new StorageException.Transient(
          "verification failed for "
              + where(path)
              + ": Azure reports "
              + p.getBlobSize()
              + " bytes with Content-MD5 "
              + (stored == null ? "(none)" : HexFormat.of().formatHex(stored))
              + ", Ferry sent "
              + total
              + " bytes with MD5 "
              + sent,
          null);
    }
    return new Written(NATIVE_HASH, sent);
  }

  /**
   * Runs one request; classifies its failure. When {@code mayCreateContainer} and the container is
   * missing, creates it and tries once more (the request's data is in memory, so it can be resent).
   */
  private <T> T call(String what, boolean mayCreateContainer, Supplier<T> request) {
    try {
      return request.get();
    } catch (BlobStorageException e) {
      if (!mayCreateContainer || e.getErrorCode() != BlobErrorCode.CONTAINER_NOT_FOUND) {
        throw AzureErrors.classify(what, e);
      }
    } catch (RuntimeException e) {
      throw AzureErrors.classify(what, e);
    }
    try {
      container.createIfNotExists();
    } catch (RuntimeException e) {
      throw AzureErrors.classify("create the container of " + location, e);
    }
    try {
      return request.get();
    } catch (RuntimeException e) {
      throw AzureErrors.classify(what, e);
    }
  }

  /** The part size to use: as asked, raised so {@code size} fits in {@value #MAX_BLOCKS} blocks. */
  static int partSize(long asked, long size) {
    long part = Math.max(Math.max(asked, 1), (size + MAX_BLOCKS - 1) / MAX_BLOCKS);
    if (part > Integer.MAX_VALUE - 16) {
      throw new StorageException.Permanent(
          "a file of " + size + " bytes is too large for Ferry's Azure uploads", null);
    }
    return (int) part;
  }

  static String blockIdBase(String blobName) {
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256").digest(blobName.getBytes(StandardCharsets.UTF_8));
      return "ferry-" + HexFormat.of().formatHex(h, 0, 8) + "-";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The id of block {@code index} holding bytes with MD5 {@code md5}: base64 of {@code
   * <base><index, 6 digits>-<MD5, 32 hex digits>} (61 ASCII bytes, within Azure's 64). Azure checks
   * each block against the Content-MD5 it is staged with, which is this same MD5, so an uncommitted
   * block found under an id holds exactly the bytes whose MD5 the id names.
   */
  static String blockId(String base, int index, byte[] md5) {
    return Base64.getEncoder()
        .encodeToString(
            (base + String.format("%06d", index) + "-" + HexFormat.of().formatHex(md5))
                .getBytes(StandardCharsets.US_ASCII));
  }

  private static String contentType(String path) {
    String t = URLConnection.guessContentTypeFromName(path);
    return t == null ? "application/octet-stream" : t;
  }

  @Override
  public void mkdirs(String path) {
    // Blob storage has no folders: a folder exists while a blob under it does.
  }

  @Override
  public void delete(String path) {
    if (path.isEmpty()) {
      return;
    }
    String name = blobName(path);
    try {
      container.getBlobClient(name).deleteIfExists();
    } catch (RuntimeException e) {
      throw AzureErrors.classify("delete " + where(path), e);
    }
  }

  /** One HTTP client (connection pool) for every connector in the process. */
  private static final class SharedHttp {
    static final HttpClient CLIENT = HttpClient.createDefault();
  }
}
