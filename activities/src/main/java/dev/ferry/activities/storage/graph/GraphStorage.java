package dev.ferry.activities.storage.graph;

import com.azure.core.credential.TokenCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.graph.core.requests.GraphClientFactory;
import com.microsoft.graph.drives.item.items.item.createuploadsession.CreateUploadSessionPostRequestBody;
import com.microsoft.graph.models.Drive;
import com.microsoft.graph.models.DriveItem;
import com.microsoft.graph.models.DriveItemCollectionResponse;
import com.microsoft.graph.models.DriveItemUploadableProperties;
import com.microsoft.graph.models.FileSystemInfo;
import com.microsoft.graph.models.Folder;
import com.microsoft.graph.models.Site;
import com.microsoft.graph.models.UploadSession;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import com.microsoft.kiota.authentication.AzureIdentityAuthenticationProvider;
import com.microsoft.kiota.http.ObservabilityOptions;
import com.microsoft.kiota.serialization.JsonParseNodeFactory;
import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.NameRules;
import dev.ferry.activities.storage.NativeHash;
import dev.ferry.activities.storage.RetryAfter;
import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.activities.storage.upload.ChunkedUpload;
import dev.ferry.activities.storage.upload.SavedUpload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder in a OneDrive or a SharePoint document library, through Microsoft Graph with the Graph
 * SDK for Java ({@link GraphServiceClient}).
 *
 * <p><b>Addressing.</b> The drive is looked up once ({@code /users/{upn}/drive}, or the site by
 * {@code /sites/{hostname}:/sites/{name}} and then its library by name among {@code
 * /sites/{id}/drives}); items are addressed by path, {@code /drives/{id}/root:/{root}/{path}:},
 * each segment percent-encoded. Listing walks folders by id, page by page
 * ({@code @odata.nextLink}).
 *
 * <p><b>Writes: one version per file.</b> Parent folders are created first (and remembered). On
 * OneDrive for Business and SharePoint every write of content and every PATCH of an item's metadata
 * is a version of the file, and each version counts against the quota (OneDrive API docs issues
 * #778, #1378), so a PUT followed by a PATCH of the time would store every file twice. So every
 * non-empty file, small or large, goes through an upload session, as rclone's onedrive backend
 * does: created with {@code conflictBehavior=replace} and the modification time ({@code
 * fileSystemInfo}), then fragment PUTs to the session's pre-authenticated URL (no access token is
 * sent there), each {@link #fragmentSize(long)} bytes (the part size rounded down to a multiple of
 * 320 KiB, at least 320 KiB, below 60 MiB) with its Content-Range. Graph commits the file when the
 * last byte arrives, so a partial upload never shows under the name. With {@link
 * WriteOptions#resume()} kept, the upload URL is saved before the first fragment; a later attempt
 * for the same size, time and fragment size asks the session for its {@code nextExpectedRanges} and
 * sends only what is missing (the source is still read from the start, to hash it). An expired or
 * unknown session starts over. An empty file (a session cannot carry zero bytes) is a PUT and a
 * PATCH of its time.
 *
 * <p><b>What production answers.</b> A fragment answered 5xx or lost to a timeout has often been
 * stored anyway, in part or whole, and sending it again gets 416: after either, the session is
 * asked for its {@code nextExpectedRanges} (which may start inside the fragment) and the upload
 * continues from there. Busy SharePoint answers a live session's fragment with 404 "The upload
 * session was not found" and accepts the next try: such a fragment is tried again after a pause,
 * and when the session is really gone the next attempt starts a new one; a session gone after the
 * last fragment (its reply lost) is settled by looking the item up and comparing its size and hash.
 * A final 201 without the driveItem, or an item without its {@code quickXorHash} yet, is looked up
 * again by path before verifying.
 *
 * <p><b>Verification</b> ({@code quickxorhash}): the QuickXorHash of the bytes consumed, computed
 * while they are read, must equal {@code file.hashes.quickXorHash} of the item Graph returns, and
 * the sizes must match. A committed item whose size or hash differs was rewritten by the library
 * (SharePoint injects metadata into Office files): {@link StorageException.Altered}, never retried.
 *
 * <p><b>Retries.</b> The SDK's retry handler retries 429, 503 and 504 up to three times, waiting as
 * Retry-After says (request bodies are in memory, so they are resent whole); after that the failure
 * is {@link StorageException.Throttled} and Ferry's engine retries the file. Errors are classified
 * by {@link GraphErrors}. Thread-safe.
 */
public final class GraphStorage implements Storage {
  static final String NATIVE_HASH = "quickxorhash";

  /** Every fragment but the last must be a multiple of this (320 KiB). */
  static final int FRAGMENT_UNIT = 320 * 1024;

  /** The largest fragment: a multiple of 320 KiB below Graph's 60 MiB per request. */
  static final int MAX_FRAGMENT = (int) (((60L << 20) - 1) / FRAGMENT_UNIT * FRAGMENT_UNIT);

  private static final Logger log = LoggerFactory.getLogger(GraphStorage.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Kiota's middleware (its retry handler) expects the tracing options its request adapter tags
   * every request with; Ferry tags the requests it sends to upload URLs itself the same way.
   */
  private static final ObservabilityOptions OBSERVABILITY = new ObservabilityOptions();

  /**
   * The User-Agent of every request, in the form Microsoft asks of independent software vendors
   * ("Avoid getting throttled or blocked in SharePoint Online", section "How to decorate your http
   * traffic"): {@code ISV|CompanyName|AppName/Version}.
   */
  static final String USER_AGENT = "ISV|Ferry|Ferry/" + version();

  private static String version() {
    String v = GraphStorage.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0" : v;
  }

  /**
   * Folders; times to the second (OneDrive keeps {@code fileSystemInfo} times in whole seconds);
   * resumable upload sessions. Path length is a name rule (400 characters), not a byte limit.
   */
  private static final Capabilities CAPABILITIES =
      new Capabilities(true, 1000, NATIVE_HASH, 0, false, true);

  private final GraphSettings settings;
  private final GraphServiceClient graph;
  private final OkHttpClient http;
  private volatile String driveId;
  private final Map<String, String> folderIds = new ConcurrentHashMap<>();

  GraphStorage(GraphSettings settings, GraphServiceClient graph, OkHttpClient http) {
    this.settings = settings;
    this.graph = graph;
    this.http = http;
  }

  /** A connector for {@code settings}. Makes no request: bad credentials show on the first call. */
  public static GraphStorage fromSettings(GraphSettings settings) {
    URI api = URI.create(settings.endpoint());
    String scope = api.getScheme() + "://" + api.getAuthority() + "/.default";
    TokenCredential tokens =
        new ClientSecretTokens(
            settings.authority(), settings.tenant(), settings.clientId(), settings.clientSecret());
    // The token goes only to the API's host: upload and download URLs are pre-authenticated.
    var auth = new AzureIdentityAuthenticationProvider(tokens, new String[] {api.getHost()}, scope);
    OkHttpClient http =
        GraphClientFactory.create()
            // last, so it is what goes out: Microsoft asks ISVs to decorate their traffic so
            // throttling can tell them apart (and favours decorated traffic)
            .addInterceptor(
                chain ->
                    chain.proceed(
                        chain.request().newBuilder().header("User-Agent", USER_AGENT).build()))
            .connectTimeout(Duration.ofSeconds(10))
            .readTimeout(Duration.ofSeconds(120))
            .writeTimeout(Duration.ofSeconds(120))
            .build();
    GraphServiceClient graph = new GraphServiceClient(auth, http);
    graph.getRequestAdapter().setBaseUrl(settings.endpoint());
    return new GraphStorage(settings, graph, http);
  }

  @Override
  public Capabilities capabilities() {
    return CAPABILITIES;
  }

  /**
   * OneDrive's and SharePoint's naming rules ({@link NameRules#sharePoint}). The 400 characters
   * count the decoded server-relative path ({@code sites/{site}/{library url}/…}, {@code
   * personal/{user}/Documents/…}: Microsoft, "Restrictions and limitations in OneDrive and
   * SharePoint"; the product team's definition, MicrosoftDocs/OfficeDocs-O365ServiceDescriptions
   * issue #617), so the limit left for a path is 400 less the drive's own path (from its {@code
   * webUrl}; the library's URL name may differ from its name, "Documents" being "Shared Documents")
   * and the root folder's. At a library's root a folder {@code Forms} is refused as well. Looks the
   * drive up once.
   */
  @Override
  public NameRules nameRules() {
    NameRules known = rules;
    if (known != null) {
      return known;
    }
    boolean oneDrive = settings.kind().equals("onedrive");
    NameRules r = NameRules.sharePoint(oneDrive ? "OneDrive" : "SharePoint");
    String prefix = serverRelativePath();
    int used = prefix.codePointCount(0, prefix.length()) + 1;
    if (!settings.root().isEmpty()) {
      used += settings.root().codePointCount(0, settings.root().length()) + 1;
    }
    r = r.withMaxPathChars(Math.max(1, r.maxPathChars() - used));
    if (settings.root().isEmpty()) {
      r = r.withRootReservedNames(java.util.Set.of("Forms"));
    }
    rules = r;
    return r;
  }

  private volatile NameRules rules;
  private volatile String driveWebUrl;

  /**
   * The drive's decoded server-relative path without its leading slash, from its {@code webUrl}
   * ({@code https://contoso.sharepoint.com/sites/marketing/Shared%20Documents} gives {@code
   * sites/marketing/Shared Documents}); when Graph gave none, the usual form for the kind.
   */
  String serverRelativePath() {
    drive();
    String web = driveWebUrl;
    if (web != null) {
      try {
        String p = URI.create(web).getPath(); // decoded
        if (p != null && p.length() > 1) {
          return p.startsWith("/") ? p.substring(1) : p;
        }
      } catch (IllegalArgumentException notAUri) {
        // fall back to the usual form
      }
    }
    return settings.kind().equals("onedrive")
        ? "personal/" + settings.user().replaceAll("[@.]", "_") + "/Documents"
        : "sites/" + settings.site() + "/" + settings.library();
  }

  @Override
  public String describe() {
    return settings.location();
  }

  private String where(String path) {
    return path.isEmpty() ? describe() : describe() + "/" + path;
  }

  // --- addressing ------------------------------------------------------------------------------

  private String drive() {
    String d = driveId;
    if (d != null) {
      return d;
    }
    synchronized (this) {
      if (driveId == null) {
        driveId = lookUpDrive();
      }
      return driveId;
    }
  }

  private String lookUpDrive() {
    if (settings.kind().equals("onedrive")) {
      Drive drive =
          call(
              "look up the OneDrive of " + settings.user(),
              () -> graph.users().byUserId(settings.user()).drive().get());
      driveWebUrl = drive.getWebUrl();
      return drive.getId();
    }
    String siteUrl =
        settings.endpoint()
            + "/sites/"
            + settings.host()
            + ":/sites/"
            + GraphSettings.encodeSegment(settings.site());
    Site site =
        call(
            "look up the SharePoint site https://" + settings.host() + "/sites/" + settings.site(),
            () -> graph.sites().bySiteId("x").withUrl(siteUrl).get());
    var drives =
        call(
            "list the document libraries of site " + settings.site(),
            () -> graph.sites().bySiteId(site.getId()).drives().get());
    StringBuilder names = new StringBuilder();
    for (Drive d : drives.getValue()) {
      if (settings.library().equalsIgnoreCase(d.getName())) {
        driveWebUrl = d.getWebUrl();
        return d.getId();
      }
      names.append(names.isEmpty() ? "" : ", ").append(d.getName());
    }
    throw new StorageException.NotFound(
        "site "
            + settings.site()
            + " has no document library named '"
            + settings.library()
            + "'; it has: "
            + names
            + " (write the library's name as listed, percent-encoding spaces)",
        null);
  }

  private String full(String path) {
    return SafePath.join(settings.root(), path);
  }

  /** The URL of the item at {@code full} (a path from the drive's root). */
  private String itemUrl(String full) {
    String base = settings.endpoint() + "/drives/" + drive() + "/root";
    return full.isEmpty() ? base : base + ":/" + GraphSettings.encodePath(full) + ":";
  }

  private StorageException classify(String what, Throwable e) {
    return GraphErrors.classify(what, e, settings.kind());
  }

  private <T> T call(String what, Supplier<T> request) {
    try {
      return request.get();
    } catch (RuntimeException e) {
      throw classify(what, e);
    }
  }

  /** The item at {@code full}, or empty when there is none. */
  private Optional<DriveItem> item(String full, String what) {
    String url = itemUrl(full); // looks the drive up first: a missing drive is not a missing item
    try {
      return Optional.of(
          graph.drives().byDriveId(drive()).items().byDriveItemId("x").withUrl(url).get());
    } catch (RuntimeException e) {
      StorageException se = classify(what, e);
      if (se instanceof StorageException.NotFound) {
        return Optional.empty();
      }
      throw se;
    }
  }

  private static long mtime(DriveItem i) {
    OffsetDateTime t =
        i.getFileSystemInfo() != null && i.getFileSystemInfo().getLastModifiedDateTime() != null
            ? i.getFileSystemInfo().getLastModifiedDateTime()
            : i.getLastModifiedDateTime();
    return t == null ? -1 : t.toInstant().toEpochMilli();
  }

  private static Entry entry(String path, DriveItem i) {
    return i.getFolder() != null
        ? Entry.folder(path, mtime(i))
        : Entry.file(path, i.getSize() == null ? 0 : i.getSize(), mtime(i));
  }

  // --- reading ---------------------------------------------------------------------------------

  @Override
  public void list(Consumer<Entry> sink, Consumer<ListingProblem> problems) {
    list(sink, problems, (p, h) -> {});
  }

  /**
   * Lists as {@link #list(Consumer, Consumer)}; a file whose item carries {@code
   * file.hashes.quickXorHash} has it told (OneDrive and SharePoint compute it for every file).
   */
  @Override
  public void list(
      Consumer<Entry> sink,
      Consumer<ListingProblem> problems,
      java.util.function.BiConsumer<String, NativeHash> hashes) {
    Optional<DriveItem> root = item(settings.root(), "list " + describe());
    if (root.isEmpty() || root.get().getFolder() == null) {
      return; // a root that does not exist lists nothing
    }
    record Folder(String path, String id) {}
    Deque<Folder> todo = new ArrayDeque<>();
    todo.push(new Folder("", root.get().getId()));
    while (!todo.isEmpty()) {
      Folder f = todo.pop();
      String what = "list " + where(f.path());
      var children = graph.drives().byDriveId(drive()).items().byDriveItemId(f.id()).children();
      DriveItemCollectionResponse page = call(what, () -> children.get());
      while (true) {
        for (DriveItem i : page.getValue()) {
          String path = f.path().isEmpty() ? i.getName() : f.path() + "/" + i.getName();
          Optional<String> problem = SafePath.problem(path);
          if (problem.isPresent()) {
            problems.accept(new ListingProblem(path, "name cannot be copied safely: " + problem));
          } else if (i.getFolder() != null) {
            sink.accept(entry(path, i));
            todo.push(new Folder(path, i.getId()));
          } else if (i.getFile() != null) {
            sink.accept(entry(path, i));
            String qx = quickXor(i);
            if (qx != null && !qx.isEmpty()) {
              hashes.accept(path, new NativeHash(NativeHash.QUICKXOR, qx, "Graph quickXorHash"));
            }
          } else {
            problems.accept(
                new ListingProblem(
                    path,
                    "not a file or a folder (a OneNote notebook or another package): not copied"));
          }
        }
        String next = page.getOdataNextLink();
        if (next == null) {
          break;
        }
        page = call(what, () -> children.withUrl(next).get());
      }
    }
  }

  @Override
  public Optional<Entry> stat(String path) {
    SafePath.require(path.isEmpty() ? "x" : path);
    return item(full(path), "stat " + where(path)).map(i -> entry(path, i));
  }

  @Override
  public InputStream open(String path) {
    String url = itemUrl(full(SafePath.require(path))) + "/content";
    // Graph answers 302 to a pre-authenticated download URL; the SDK follows it without the token.
    InputStream in =
        call(
            "open " + where(path),
            () ->
                graph
                    .drives()
                    .byDriveId(drive())
                    .items()
                    .byDriveItemId("x")
                    .content()
                    .withUrl(url)
                    .get());
    if (in == null) {
      return InputStream.nullInputStream(); // an empty file has no body
    }
    return in;
  }

  // --- writing ---------------------------------------------------------------------------------

  /**
   * The fragment size for a part size: rounded down to 320 KiB multiples, within Graph's bounds.
   */
  static int fragmentSize(long partSize) {
    long f = partSize / FRAGMENT_UNIT * FRAGMENT_UNIT;
    return (int) Math.max(FRAGMENT_UNIT, Math.min(f, MAX_FRAGMENT));
  }

  @Override
  public Written write(String path, Entry source, InputStream data, WriteOptions options) {
    String full = full(SafePath.require(path));
    int slash = full.lastIndexOf('/');
    if (slash > 0) {
      folderId(full.substring(0, slash));
    }
    Sessions sessions = new Sessions(path, full, source, options);
    var plan = new ChunkedUpload.Plan("graph-session", where(path), sessions.fragment, 1, false);
    if (source.size() == 0) {
      ChunkedUpload.forget(plan, sessions, options.resume());
      return emptyUpload(path, full, source, data, options);
    }
    return ChunkedUpload.write(plan, sessions, source, data, options);
  }

  /**
   * An empty file: a session cannot carry zero bytes, so it is a PUT of no content and, for its
   * time, a PATCH (two versions of an empty file, which use no quota).
   */
  private Written emptyUpload(
      String path, String full, Entry source, InputStream data, WriteOptions options) {
    ChunkedUpload.readWhole(data, 0, where(path));
    String url = itemUrl(full) + "/content";
    DriveItem item =
        call(
            "upload " + where(path),
            () ->
                graph
                    .drives()
                    .byDriveId(drive())
                    .items()
                    .byDriveItemId("x")
                    .content()
                    .withUrl(url)
                    .put(new ByteArrayInputStream(new byte[0])));
    options.sent().accept(0);
    if (source.mtimeMillis() >= 0) {
      DriveItem patch = new DriveItem();
      patch.setFileSystemInfo(fileSystemInfo(source.mtimeMillis()));
      String id = item.getId();
      item =
          call(
              "set the modification time of " + where(path),
              () -> graph.drives().byDriveId(drive()).items().byDriveItemId(id).patch(patch));
    }
    return verified(path, settled(item, full, path), 0, new QuickXorHash().base64(), options);
  }

  private static FileSystemInfo fileSystemInfo(long mtimeMillis) {
    FileSystemInfo fsi = new FileSystemInfo();
    fsi.setLastModifiedDateTime(
        OffsetDateTime.ofInstant(Instant.ofEpochMilli(mtimeMillis), ZoneOffset.UTC));
    return fsi;
  }

  /**
   * The upload sessions of one file, for {@link ChunkedUpload}: parts are fragments, sent in order;
   * the record ({@code graph-session}) holds the session's upload URL, its only secret being that
   * URL itself, and is continued for the same fragment size from the session's {@code
   * nextExpectedRanges}.
   */
  private final class Sessions implements ChunkedUpload.Connector<DriveItem> {
    private final String path;
    private final String full;
    private final Entry source;
    private final WriteOptions options;
    private final int fragment;

    Sessions(String path, String full, Entry source, WriteOptions options) {
      this.path = path;
      this.full = full;
      this.source = source;
      this.options = options;
      this.fragment = fragmentSize(options.partSize());
    }

    @Override
    public boolean usable(SavedUpload saved) {
      return saved.upload() != null && saved.partSize() == fragment;
    }

    @Override
    public void discard(SavedUpload saved) {
      if (saved.upload() != null) {
        cancel(saved.upload());
      }
    }

    @Override
    public Optional<ChunkedUpload.Session<DriveItem>> resume(SavedUpload saved) {
      long next = nextExpected(saved.upload(), path);
      if (next < 0 || next > source.size()) {
        return Optional.empty();
      }
      log.info(
          "continuing the unfinished upload of {} at byte {} of {}",
          where(path),
          next,
          source.size());
      return Optional.of(new Fragments(this, saved.upload(), next));
    }

    @Override
    public ChunkedUpload.Session<DriveItem> open(long partSize) {
      CreateUploadSessionPostRequestBody body = new CreateUploadSessionPostRequestBody();
      DriveItemUploadableProperties props = new DriveItemUploadableProperties();
      props.getAdditionalData().put("@microsoft.graph.conflictBehavior", "replace");
      if (source.mtimeMillis() >= 0) {
        props.setFileSystemInfo(fileSystemInfo(source.mtimeMillis()));
      }
      body.setItem(props);
      String url = itemUrl(full) + "/createUploadSession";
      UploadSession session =
          call(
              "start the upload of " + where(path),
              () ->
                  graph
                      .drives()
                      .byDriveId(drive())
                      .items()
                      .byDriveItemId("x")
                      .createUploadSession()
                      .withUrl(url)
                      .post(body));
      return new Fragments(this, session.getUploadUrl(), 0);
    }
  }

  /**
   * One upload session: fragments from byte {@code from} on are sent (an earlier attempt stored the
   * bytes before it), the QuickXorHash of every byte as it is read.
   */
  private final class Fragments implements ChunkedUpload.Session<DriveItem> {
    private final Sessions file;
    private final String uploadUrl;
    private final long from;
    private final QuickXorHash hash = new QuickXorHash();

    Fragments(Sessions file, String uploadUrl, long from) {
      this.file = file;
      this.uploadUrl = uploadUrl;
      this.from = from;
    }

    @Override
    public String id() {
      return uploadUrl;
    }

    @Override
    public void read(byte[] buf, int n) {
      hash.update(buf, 0, n);
    }

    /** A session continued mid-fragment holds that fragment's first bytes: only the rest goes. */
    @Override
    public int stored(ChunkedUpload.Part part) {
      return (int) Math.max(0, Math.min(part.length(), from - part.offset()));
    }

    @Override
    public DriveItem writePart(ChunkedUpload.Part part, byte[] buf, int skip) {
      return sendFragment(
          uploadUrl,
          buf,
          skip,
          part.length(),
          part.offset(),
          file.source.size(),
          file.full,
          file.path,
          hash);
    }

    @Override
    public Written complete(List<ChunkedUpload.Sent<DriveItem>> parts, Runnable committed) {
      DriveItem done = parts.isEmpty() ? null : parts.get(parts.size() - 1).receipt();
      if (done == null) {
        throw new StorageException.Transient(
            "upload " + where(file.path) + ": Graph did not return the finished item", null);
      }
      committed.run();
      long size = file.source.size();
      return verified(
          file.path, settled(done, file.full, file.path), size, hash.base64(), file.options);
    }

    @Override
    public void abort() {
      cancel(uploadUrl);
    }
  }

  private static final String SESSION_LOST = "the upload session was lost";

  /** Tries of a fragment answered with a transient 404 before the session is taken as gone. */
  static final int NOT_FOUND_TRIES = 3;

  /** In-place recoveries of one fragment (after a 5xx, a timeout or a 416) before giving up. */
  static final int FRAGMENT_RECOVERIES = 3;

  /** Looks at an item whose reply lacked it, or lacked its hash, before verifying. */
  static final int SETTLE_TRIES = 4;

  private volatile Duration recoveryPause = Duration.ofSeconds(1);

  /** For tests: the first pause before a fragment or an item is asked again (doubling). */
  void recoveryPause(Duration pause) {
    this.recoveryPause = pause;
  }

  private void pauseFor(int attempt) {
    long ms = recoveryPause.toMillis() << Math.min(attempt, 6);
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Transient("interrupted while waiting for Microsoft Graph", e);
    }
  }

  /** A marker for "the last fragment was answered 200/201 without the driveItem". */
  private static final DriveItem NO_ITEM = new DriveItem();

  /**
   * Sends the fragment {@code buf[0, n)} at {@code pos} and sees it stored, recovering in place
   * from what production answers: a 5xx, a timeout or a 416 after a fragment the service kept
   * anyway is followed by the session's {@code nextExpectedRanges} (which may start inside the
   * fragment: only the rest is sent); a 404 "upload session was not found" on a live session is
   * tried again after a pause; a session gone after the last fragment's reply was lost is settled
   * by looking the item up and comparing its size and hash ({@code hash} has consumed every byte by
   * then). Returns the item after the last fragment (perhaps {@link #NO_ITEM}), else null.
   */
  private DriveItem sendFragment(
      String uploadUrl,
      byte[] buf,
      int skip,
      int n,
      long pos,
      long total,
      String full,
      String path,
      QuickXorHash hash) {
    boolean last = pos + n == total;
    int off = skip;
    int notFound = 0;
    int recoveries = 0;
    while (true) {
      StorageException failure;
      try {
        return putFragment(uploadUrl, buf, off, n - off, pos + off, total, path);
      } catch (StorageException e) {
        failure = e;
      }
      if (failure instanceof StorageException.NotFound && ++notFound < NOT_FOUND_TRIES) {
        log.info("{}: the upload session was not found; trying again", where(path));
        pauseFor(notFound - 1);
        continue;
      }
      boolean recoverable =
          failure instanceof StorageException.NotFound
              || (failure instanceof StorageException.Transient
                  && !(failure instanceof StorageException.SourceChanged));
      if (!recoverable || recoveries++ >= FRAGMENT_RECOVERIES) {
        throw failure;
      }
      long next = nextExpected(uploadUrl, path);
      if (next < 0
          || (last && next == total)) { // gone: finished by a fragment whose reply was lost?
        if (last) {
          Optional<DriveItem> stored = item(full, "look up the uploaded " + where(path));
          String storedHash = stored.map(GraphStorage::quickXor).orElse(null);
          if (stored.isPresent()
              && stored.get().getSize() != null
              && stored.get().getSize() == total
              && hash.base64().equals(storedHash)) {
            log.info("{}: the last fragment was stored though its reply was lost", where(path));
            return stored.get();
          }
        }
        throw new StorageException.UploadLost(
            "upload "
                + where(path)
                + ": "
                + SESSION_LOST
                + " ("
                + failure.getMessage()
                + "); a new session starts on the next attempt",
            failure);
      }
      if (next < pos + off || next > pos + n) {
        throw new StorageException.UploadLost(
            "upload "
                + where(path)
                + ": the session expects byte "
                + next
                + " after bytes "
                + (pos + off)
                + "-"
                + (pos + n - 1)
                + " were sent; "
                + SESSION_LOST,
            failure);
      }
      log.info(
          "{}: fragment at byte {} answered {}; the session has bytes up to {}, continuing",
          where(path),
          pos + off,
          failure.getMessage(),
          next);
      off = (int) (next - pos);
      if (off == n) {
        return null; // all of it was stored (not the last fragment: that case is above)
      }
      pauseFor(0);
    }
  }

  private static String quickXor(DriveItem i) {
    return i.getFile() != null && i.getFile().getHashes() != null
        ? i.getFile().getHashes().getQuickXorHash()
        : null;
  }

  /**
   * The item to verify: the one Graph returned, or, when its reply carried none (a final 201 with
   * only {@code nextExpectedRanges}) or the item has no {@code quickXorHash} yet, the item looked
   * up by path, a few times with a pause between.
   */
  private DriveItem settled(DriveItem replied, String full, String path) {
    DriveItem i = replied;
    for (int t = 0; ; t++) {
      boolean hasItem = i != null && i != NO_ITEM && i.getId() != null;
      if (hasItem && (quickXor(i) != null || i.getFile() == null)) {
        return i;
      }
      if (t >= SETTLE_TRIES) {
        if (hasItem) {
          return i; // verified() says the hash is missing
        }
        throw new StorageException.Transient(
            "upload " + where(path) + ": Graph did not return the finished item", null);
      }
      if (hasItem) {
        pauseFor(t);
      }
      i = item(full, "look up the uploaded " + where(path)).orElse(null);
      if (i == null) {
        pauseFor(t);
      }
    }
  }

  /** Sends one fragment; returns the item when it was the last one, else null. */
  private DriveItem putFragment(
      String uploadUrl, byte[] buf, int off, int n, long pos, long total, String path) {
    String what = "upload bytes " + pos + "-" + (pos + n - 1) + " of " + where(path);
    Request req =
        new Request.Builder()
            .url(uploadUrl)
            .put(RequestBody.create(buf, null, off, n))
            .tag(ObservabilityOptions.class, OBSERVABILITY)
            .header("Content-Range", "bytes " + pos + "-" + (pos + n - 1) + "/" + total)
            .build();
    try (Response r = http.newCall(req).execute()) {
      byte[] body = r.body() == null ? new byte[0] : r.body().bytes();
      if (r.code() == 202) {
        return null;
      }
      if (r.code() == 200 || r.code() == 201) {
        DriveItem item =
            new JsonParseNodeFactory()
                .getParseNode("application/json", new ByteArrayInputStream(body))
                .getObjectValue(DriveItem::createFromDiscriminatorValue);
        return item == null || item.getId() == null ? NO_ITEM : item;
      }
      throw errorOf(what, r, body);
    } catch (IOException e) {
      throw classify(what, e);
    }
  }

  private StorageException errorOf(String what, Response r, byte[] body) {
    String code = null;
    String message = null;
    try {
      JsonNode err = JSON.readTree(body).path("error");
      code = err.path("code").isMissingNode() ? null : err.path("code").asText();
      message = err.path("message").isMissingNode() ? null : err.path("message").asText();
    } catch (IOException | RuntimeException notJson) {
      // keep the status alone
    }
    return GraphErrors.fromService(
        what,
        r.code(),
        code,
        message,
        RetryAfter.parse(r.header("Retry-After"), Clock.systemUTC()).orElse(null),
        null,
        settings.kind());
  }

  /** The first byte the session still expects, or -1 when the session is gone. */
  private long nextExpected(String uploadUrl, String path) {
    String what = "look up the unfinished upload of " + where(path);
    Request get =
        new Request.Builder()
            .url(uploadUrl)
            .get()
            .tag(ObservabilityOptions.class, OBSERVABILITY)
            .build();
    try (Response r = http.newCall(get).execute()) {
      byte[] body = r.body() == null ? new byte[0] : r.body().bytes();
      if (r.code() == 404) {
        log.info("the unfinished upload of {} has expired; starting again", where(path));
        return -1;
      }
      if (r.code() != 200) {
        throw errorOf(what, r, body);
      }
      JsonNode ranges = JSON.readTree(body).path("nextExpectedRanges");
      if (!ranges.isArray() || ranges.isEmpty()) {
        return -1;
      }
      String first = ranges.get(0).asText();
      return Long.parseLong(first.substring(0, first.indexOf('-')));
    } catch (IOException | RuntimeException e) {
      if (e instanceof StorageException se) {
        throw se;
      }
      if (e instanceof IOException) {
        throw classify(what, e);
      }
      return -1; // an answer Ferry cannot read: start again
    }
  }

  private void cancel(String uploadUrl) {
    Request delete =
        new Request.Builder()
            .url(uploadUrl)
            .delete()
            .tag(ObservabilityOptions.class, OBSERVABILITY)
            .build();
    try (Response r = http.newCall(delete).execute()) {
      // 204, or 404 when it is already gone: either way nothing is left
    } catch (IOException | RuntimeException e) {
      log.debug("cancelling an upload session failed: {}", e.toString());
    }
  }

  private Written verified(
      String path, DriveItem item, long size, String sentHash, WriteOptions options) {
    String stored = quickXor(item);
    long storedSize = item.getSize() == null ? -1 : item.getSize();
    if (!options.verify()) {
      return new Written("none", stored);
    }
    if (stored != null && storedSize >= 0 && (storedSize != size || !stored.equals(sentHash))) {
      // the upload completed and Graph has the item, yet not the bytes that were sent: the library
      // rewrote them (SharePoint's metadata in Office files): uploading again changes nothing
      throw new StorageException.Altered(
          "stored, but altered by the destination: "
              + where(path)
              + " holds "
              + storedSize
              + " bytes with quickXorHash "
              + stored
              + ", Ferry sent "
              + size
              + " bytes with quickXorHash "
              + sentHash
              + " (SharePoint rewrites Office files and some PDF, HTML and JPEG files as they are"
              + " stored; accept such files with the option accept-altered)",
          NATIVE_HASH,
          size,
          sentHash,
          storedSize,
          stored);
    }
    if (storedSize != size || stored == null || !stored.equals(sentHash)) {
      throw new StorageException.Transient(
          "verification failed for "
              + where(path)
              + ": Graph reports "
              + storedSize
              + " bytes with quickXorHash "
              + (stored == null ? "(none)" : stored)
              + ", Ferry sent "
              + size
              + " bytes with quickXorHash "
              + sentHash,
          null);
    }
    return new Written(NATIVE_HASH, stored);
  }

  // --- folders and deletes ---------------------------------------------------------------------

  @Override
  public void mkdirs(String path) {
    folderId(full(SafePath.require(path)));
  }

  /** The id of the folder at {@code full}, creating it and its parents as needed. */
  private String folderId(String full) {
    String known = folderIds.get(full);
    if (known != null) {
      return known;
    }
    Optional<DriveItem> existing = item(full, "look up folder " + full);
    String id;
    if (existing.isPresent()) {
      if (existing.get().getFolder() == null) {
        throw new StorageException.Permanent(
            "cannot create folder "
                + describe()
                + "/"
                + full
                + ": a file of that name is in the way",
            null);
      }
      id = existing.get().getId();
    } else if (full.isEmpty()) {
      throw new StorageException.NotFound("the root of " + describe() + " is missing", null);
    } else {
      int slash = full.lastIndexOf('/');
      String parentId = folderId(slash < 0 ? "" : full.substring(0, slash));
      DriveItem folder = new DriveItem();
      folder.setName(full.substring(slash + 1));
      folder.setFolder(new Folder());
      folder.getAdditionalData().put("@microsoft.graph.conflictBehavior", "fail");
      try {
        id =
            graph
                .drives()
                .byDriveId(drive())
                .items()
                .byDriveItemId(parentId)
                .children()
                .post(folder)
                .getId();
      } catch (RuntimeException e) {
        StorageException se = classify("create folder " + full, e);
        if (!se.getMessage().contains("nameAlreadyExists")) {
          throw se;
        }
        // made meanwhile by another stream
        id = item(full, "look up folder " + full).orElseThrow(() -> se).getId();
      }
    }
    folderIds.put(full, id);
    return id;
  }

  @Override
  public void delete(String path) {
    if (path.isEmpty()) {
      return;
    }
    String full = full(SafePath.require(path));
    Optional<DriveItem> i = item(full, "delete " + where(path));
    if (i.isEmpty()) {
      return;
    }
    if (i.get().getFolder() != null
        && i.get().getFolder().getChildCount() != null
        && i.get().getFolder().getChildCount() > 0) {
      throw new StorageException.Permanent("folder " + where(path) + " is not empty", null);
    }
    String id = i.get().getId();
    try {
      graph.drives().byDriveId(drive()).items().byDriveItemId(id).delete();
    } catch (RuntimeException e) {
      StorageException se = classify("delete " + where(path), e);
      if (!(se instanceof StorageException.NotFound)) {
        throw se;
      }
    }
    folderIds.keySet().removeIf(k -> k.equals(full) || k.startsWith(full + "/"));
  }

  @Override
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
