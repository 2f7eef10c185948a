package dev.ferry.activities.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.activities.storage.graph.QuickXorHash;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-memory Microsoft Graph drive API, for tests: the only fake in this project. It answers the
 * requests the Graph SDK for Java and {@code GraphStorage} make, the way the service documents
 * them, and refuses what the service refuses, with Graph's status codes and its JSON error body
 * {@code {"error":{"code":...,"message":...}}}.
 *
 * <p><b>Hosts.</b> One {@link HttpServer} on 127.0.0.1. The API ({@link #baseUrl()}, {@code /v1.0})
 * and the token endpoint ({@link #authority()}) are addressed as {@code 127.0.0.1}; upload-session
 * and download URLs it hands out use {@code localhost}, another host name, as the service uses
 * other hosts for them: the SDK sends no access token there, and the fake refuses an upload
 * fragment that carries one (401), as Graph documents.
 *
 * <p><b>Covered</b>: OAuth 2.0 client-credentials tokens at {@code /{tenant}/oauth2/v2.0/token}
 * (checked client id and secret; API requests need the issued bearer token); {@code
 * /users/{upn}/drive}; {@code /sites/{hostname}:/sites/{name}} and {@code /sites/{id}/drives};
 * driveItems addressed as {@code /drives/{id}/root}, {@code /drives/{id}/items/{item-id}}, each
 * optionally followed by {@code :/relative/path:}; GET item; GET {@code children} with {@code $top}
 * and {@code @odata.nextLink} paging ({@link #pageSize(int)}); GET {@code content} (302 to a
 * pre-authenticated download URL); PUT {@code content} (simple upload, at most 250 MB, parent must
 * exist); PATCH {@code fileSystemInfo}; POST {@code children} (folder create, conflictBehavior
 * fail/replace/rename); DELETE (recursive, as Graph's is); {@code createUploadSession} with {@code
 * item.fileSystemInfo} and {@code @microsoft.graph.conflictBehavior}; fragment PUTs with
 * Content-Range, each a multiple of 320 KiB except the last and at most 60 MiB, in order (416
 * otherwise), answered 202 with {@code nextExpectedRanges} and 201/200 with the driveItem when the
 * last byte arrives; GET on the upload URL (the session's state) and DELETE (cancel); {@code
 * file.hashes.quickXorHash}; modification times kept to the second; names with {@code " * : < > ? /
 * \ |}, leading or trailing spaces, reserved names, {@code _vti_} anywhere, a leading {@code ~},
 * {@code Forms} at a library's root refused (400 invalidRequest), and a decoded server-relative
 * path (the {@code webUrl} of each drive: {@code sites/{site}/Shared Documents}, {@code
 * personal/{user}/Documents}) of more than 400 characters (400 pathIsTooLong); no per-name length
 * limit (Microsoft documents none beyond the path's).
 *
 * <p><b>Not covered</b>: permissions, sharing, version history (only its count), delta, search,
 * thumbnails, quotas (except {@link #quotaBytes(long)}), ranged downloads, eTag preconditions,
 * SharePoint's own columns, personal-OneDrive specifics (sha1Hash), real expiry times (see {@link
 * #expireSessions()}).
 *
 * <p><b>Fault switches</b>, each following what production does (the source is cited on each):
 * {@link #throttleNext(int, int, int)} answers the next requests with 429 or 503 and Retry-After;
 * {@link #failFragments(int)} answers the next fragment PUTs with 500 without keeping their bytes;
 * {@link #storeThenFail(int, int, int)} keeps a fragment (or part of it) and still answers 5xx;
 * {@link #sessionNotFoundNext(int)} answers a transient 404 on a live session; {@link
 * #finalWithoutItem(int)} answers the last fragment without the driveItem; {@link
 * #hashLagNext(int)} leaves the hash out of a new item for a while; {@link
 * #alterOfficeFiles(boolean)} rewrites Office files as a document library stores them. {@link
 * #versions(String, String)} counts the versions of a file as business drives keep them; {@link
 * #requests()} and {@link #bytesReceived()} count what arrived.
 */
public final class GraphDriveFake implements AutoCloseable {
  public static final int FRAGMENT_UNIT = 320 * 1024;
  public static final int MAX_FRAGMENT = 60 * 1024 * 1024;
  public static final long MAX_SIMPLE_UPLOAD = 250_000_000L;
  public static final String TENANT = "fake-tenant-id";
  public static final String CLIENT_ID = "fake-client-id";
  public static final String CLIENT_SECRET = "fake-client-secret-do-not-log";

  private static final ObjectMapper JSON = new ObjectMapper();
  // "Restrictions and limitations in OneDrive and SharePoint": reserved names, _vti_ anywhere in a
  // name, and on OneDrive for work or school and SharePoint a leading ~ (not only ~$)
  private static final Pattern RESERVED =
      Pattern.compile(
          "(?i)^(\\.lock|con|prn|aux|nul|com[0-9]|lpt[0-9]|desktop\\.ini|.*_vti_.*|~.*)$");

  /** The longest decoded server-relative path ({@code sites/x/Shared Documents/a/b.txt}). */
  public static final int MAX_PATH_CHARS = 400;

  private static final String ILLEGAL = "\"*:<>?/\\|";

  private final HttpServer server;
  private final int port;
  private final Map<String, Item> items = new HashMap<>();
  private final Map<String, String> userDrives = new HashMap<>();
  private final Map<String, Site> sites = new HashMap<>();
  private final Map<String, String> drivePaths = new HashMap<>();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Set<String> tokens = ConcurrentHashMap.newKeySet();
  private final List<String> requestLog = Collections.synchronizedList(new ArrayList<>());
  private final Set<String> userAgents = ConcurrentHashMap.newKeySet();
  private final AtomicLong bytesReceived = new AtomicLong();
  private final AtomicInteger throttle = new AtomicInteger();
  private volatile int throttleStatus = 429;
  private volatile int throttleSeconds = 1;
  private final AtomicInteger failFragments = new AtomicInteger();
  private final AtomicInteger storeThenFail = new AtomicInteger();
  private volatile int storeThenFailStatus = 500;
  private volatile int storeThenFailKeep = -1;
  private final AtomicInteger sessionNotFound = new AtomicInteger();
  private final AtomicInteger finalWithoutItem = new AtomicInteger();
  private final AtomicInteger hashLag = new AtomicInteger();
  private volatile boolean alterOffice;
  private static final Pattern OFFICE = Pattern.compile("(?i).*\\.(docx|xlsx|pptx)$");

  /** What {@link #alterOfficeFiles(boolean)} adds to a file as a document library stores it. */
  public static final byte[] LIBRARY_METADATA =
      "<ferry-fake:sharepoint-metadata/>".getBytes(StandardCharsets.UTF_8);

  private volatile int pageSize = 200;
  private volatile long quotaBytes = Long.MAX_VALUE;

  private record Site(String id, String host, String name, Map<String, String> drives) {}

  private static final class Item {
    final String id = UUID.randomUUID().toString().replace("-", "").toUpperCase(Locale.ROOT);
    final String driveId;
    String parentId;
    String name;
    final boolean folder;
    byte[] content = new byte[0];
    final Instant created = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant modified = created;
    Instant fsModified = created;
    int version;
    int hashlessReads;

    Item(String driveId, String parentId, String name, boolean folder) {
      this.driveId = driveId;
      this.parentId = parentId;
      this.name = name;
      this.folder = folder;
    }
  }

  private static final class Session {
    final String id = UUID.randomUUID().toString();
    final String auth = UUID.randomUUID().toString().replace("-", "");
    final String driveId;
    final String parentId;
    final String name;
    final String conflict;
    final Instant fsModified;
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    long total = -1;
    Instant expires = Instant.now().plus(Duration.ofDays(2));

    Session(String driveId, String parentId, String name, String conflict, Instant fsModified) {
      this.driveId = driveId;
      this.parentId = parentId;
      this.name = name;
      this.conflict = conflict;
      this.fsModified = fsModified;
    }
  }

  /** An error the handler answers with. */
  private static final class GraphError extends RuntimeException {
    final int status;
    final String code;

    GraphError(int status, String code, String message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  private GraphDriveFake() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    port = server.getAddress().getPort();
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  /** A running fake with no drives yet. */
  public static GraphDriveFake start() throws IOException {
    return new GraphDriveFake();
  }

  /** The API root, as {@code https://graph.microsoft.com/v1.0} is on the service. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port + "/v1.0";
  }

  /** The identity platform's host, as {@code https://login.microsoftonline.com} is. */
  public String authority() {
    return "http://127.0.0.1:" + port;
  }

  /** The environment a connector needs to reach this fake. */
  public Map<String, String> env() {
    return Map.of(
        "FERRY_GRAPH_TENANT_ID", TENANT,
        "FERRY_GRAPH_CLIENT_ID", CLIENT_ID,
        "FERRY_GRAPH_CLIENT_SECRET", CLIENT_SECRET,
        "FERRY_GRAPH_ENDPOINT", baseUrl(),
        "FERRY_GRAPH_AUTHORITY", authority());
  }

  /** Gives {@code upn} a OneDrive; returns its drive id. */
  public synchronized String addUser(String upn) {
    String u = upn.toLowerCase(Locale.ROOT);
    return userDrives.computeIfAbsent(
        u, x -> newDrive("personal/" + x.replaceAll("[@.]", "_") + "/Documents"));
  }

  /** Creates a SharePoint site {@code https://host/sites/name} with these document libraries. */
  public synchronized void addSite(String host, String name, String... libraries) {
    Map<String, String> drives = new LinkedHashMap<>();
    for (String l : libraries) {
      // the default library "Documents" lives at the URL "Shared Documents"
      drives.put(
          l, newDrive("sites/" + name + "/" + (l.equals("Documents") ? "Shared Documents" : l)));
    }
    String id = host + "," + UUID.randomUUID() + "," + UUID.randomUUID();
    sites.put((host + "/" + name).toLowerCase(Locale.ROOT), new Site(id, host, name, drives));
  }

  private String newDrive(String serverRelativePath) {
    String driveId = "b!" + UUID.randomUUID().toString().replace("-", "");
    drivePaths.put(driveId, serverRelativePath);
    Item root = new Item(driveId, null, "root", true);
    items.put(root.id, root);
    items.put("root@" + driveId, root);
    return driveId;
  }

  /** Most children one page lists (Graph's own default is 200). */
  public void pageSize(int size) {
    this.pageSize = size;
  }

  /** Refuses content beyond this many bytes in all drives (507 insufficientStorage). */
  public void quotaBytes(long bytes) {
    this.quotaBytes = bytes;
  }

  /**
   * Answers the next {@code n} requests (not token requests) with {@code status} and Retry-After.
   */
  public void throttleNext(int n, int status, int retryAfterSeconds) {
    throttleStatus = status;
    throttleSeconds = retryAfterSeconds;
    throttle.set(n);
  }

  /**
   * Answers the next {@code n} fragment PUTs with 500 generalException, keeping none of their
   * bytes.
   */
  public void failFragments(int n) {
    failFragments.set(n);
  }

  /**
   * Answers the next {@code n} fragment PUTs with {@code status} (500 generalException, 503
   * serviceNotAvailable or 504 gatewayTimeout) <em>after</em> keeping the first {@code keepBytes}
   * bytes of each ({@code -1}: all of them; a last fragment kept whole commits the file), so a
   * client that sends the fragment again meets 416 invalidRange "fragmentOverlap", and a session
   * status ({@code nextExpectedRanges}) that may start inside the fragment. Follows OneDrive API
   * docs issue #64 ("resumable upload response 416 after retry with status code 503": the PUT
   * "actually succeeded under the covers"; the advice is a GET on the upload URL and its
   * nextExpectedRanges) and #75 (nextExpectedRanges not on a 320 KiB boundary: part of a fragment
   * was accepted).
   */
  public void storeThenFail(int n, int status, int keepBytes) {
    storeThenFailStatus = status;
    storeThenFailKeep = keepBytes;
    storeThenFail.set(n);
  }

  /**
   * Answers the next {@code n} fragment PUTs with 404 itemNotFound "The upload session was not
   * found", keeping nothing, while the session lives on (its status and later PUTs work): busy
   * SharePoint does so and accepts the next try (rclone's onedrive backend retries such a 404 after
   * a pause, see rclone issue #8545 and the discussion of PR #9768, and OneDrive API docs issue
   * #1668 "ItemNotFound when uploading file").
   */
  public void sessionNotFoundNext(int n) {
    sessionNotFound.set(n);
  }

  /**
   * Commits the file of the next {@code n} sessions that receive their last byte but answers 201
   * with a session body (an empty {@code nextExpectedRanges}) instead of the driveItem, as
   * SharePoint sometimes does (rclone's onedrive backend reads the item again when the final
   * response carries none; OneDrive API docs issue #342 shows session bodies in fragment replies).
   */
  public void finalWithoutItem(int n) {
    finalWithoutItem.set(n);
  }

  /**
   * The next file stored leaves out {@code file.hashes.quickXorHash} in its first {@code reads}
   * representations (the upload's reply included): the hash is computed after the write on OneDrive
   * for Business (OneDrive API docs issue #1066, items briefly reported with wrong or no hash).
   */
  public void hashLagNext(int reads) {
    hashLag.set(reads);
  }

  /**
   * How many versions the file at {@code path} has: as on OneDrive for Business and SharePoint,
   * every write of content (a simple PUT, a finished upload session) and every PATCH of its
   * metadata adds one (OneDrive API docs issue #1378 "Update fileSystemInfo in driveitem occupied
   * twice storage": expected behaviour on business drives; #778 likewise). 0 when there is no file.
   */
  public synchronized int versions(String driveId, String path) {
    Item i = byPath(root(driveId), path);
    return i == null || i.folder ? 0 : i.version;
  }

  /**
   * With {@code on}, files named {@code *.docx}, {@code *.xlsx} or {@code *.pptx} are stored with
   * {@link #LIBRARY_METADATA} added, whatever way they are uploaded: their size and quickXorHash
   * then differ from what was sent, as a SharePoint document library's are (OneDrive API docs issue
   * #935 "Session uploaded file size reported by MS Graph does not equal local file size", #1395;
   * rclone's onedrive docs, "Unexpected file size/hash differences on Sharepoint").
   */
  public void alterOfficeFiles(boolean on) {
    alterOffice = on;
  }

  /** Lets every open upload session expire now (GET and PUT on it then answer 404). */
  public void expireSessions() {
    sessions.values().forEach(s -> s.expires = Instant.EPOCH);
  }

  /** Every request so far, as {@code METHOD path}, oldest first. */
  public List<String> requests() {
    synchronized (requestLog) {
      return List.copyOf(requestLog);
    }
  }

  /** Every User-Agent the API and the upload and download URLs have seen ({@code (none)}). */
  public Set<String> userAgents() {
    return Set.copyOf(userAgents);
  }

  /** Content bytes received by simple uploads and fragment PUTs, kept or not. */
  public long bytesReceived() {
    return bytesReceived.get();
  }

  /** The content of the file at {@code path} (relative to the drive's root), if there is one. */
  public synchronized Optional<byte[]> content(String driveId, String path) {
    Item i = byPath(root(driveId), path);
    return i == null || i.folder ? Optional.empty() : Optional.of(i.content.clone());
  }

  /** Puts a file directly, creating folders, with this modification time (for listing tests). */
  public synchronized void putFile(String driveId, String path, byte[] data, Instant mtime) {
    Item parent = root(driveId);
    String[] segs = path.split("/");
    for (int i = 0; i < segs.length - 1; i++) {
      Item next = child(parent, segs[i]);
      if (next == null) {
        next = new Item(driveId, parent.id, segs[i], true);
        items.put(next.id, next);
      }
      parent = next;
    }
    Item f = child(parent, segs[segs.length - 1]);
    if (f == null) {
      f = new Item(driveId, parent.id, segs[segs.length - 1], false);
      items.put(f.id, f);
    }
    f.content = data.clone();
    f.fsModified = mtime.truncatedTo(ChronoUnit.SECONDS);
  }

  @Override
  public void close() {
    server.stop(0);
  }

  // ---------------------------------------------------------------------------------------------

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String rawPath = ex.getRequestURI().getRawPath();
      requestLog.add(ex.getRequestMethod() + " " + rawPath);
      try {
        if (rawPath.matches("/[^/]+/oauth2/v2\\.0/token")) {
          token(ex, rawPath.split("/")[1]);
          return;
        }
        String ua = ex.getRequestHeaders().getFirst("User-Agent");
        userAgents.add(ua == null ? "(none)" : ua);
        int left = throttle.getAndUpdate(n -> n > 0 ? n - 1 : 0);
        if (left > 0) {
          drain(ex);
          ex.getResponseHeaders().set("Retry-After", Integer.toString(throttleSeconds));
          throw new GraphError(
              throttleStatus,
              throttleStatus == 429 ? "activityLimitReached" : "serviceNotAvailable",
              throttleStatus == 429
                  ? "The request has been throttled"
                  : "The service is temporarily unavailable");
        }
        if (rawPath.startsWith("/upload/")) {
          upload(ex, rawPath.substring("/upload/".length()));
        } else if (rawPath.startsWith("/download/")) {
          download(ex, rawPath.substring("/download/".length()));
        } else if (rawPath.startsWith("/v1.0/")) {
          requireToken(ex);
          api(ex, rawPath.substring("/v1.0/".length()));
        } else {
          throw new GraphError(400, "BadRequest", "Invalid version.");
        }
      } catch (GraphError e) {
        drain(ex);
        ObjectNode body = JSON.createObjectNode();
        ObjectNode err = body.putObject("error");
        err.put("code", e.code);
        err.put("message", e.getMessage());
        ObjectNode inner = err.putObject("innerError");
        inner.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        inner.put("request-id", UUID.randomUUID().toString());
        send(ex, e.status, body);
      } catch (RuntimeException e) {
        drain(ex);
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("code", "generalException").put("message", e.toString());
        send(ex, 500, body);
      }
    }
  }

  private void token(HttpExchange ex, String tenant) throws IOException {
    Map<String, String> form = form(new String(body(ex), StandardCharsets.UTF_8));
    ObjectNode out = JSON.createObjectNode();
    if (!"POST".equals(ex.getRequestMethod())) {
      out.put("error", "invalid_request");
      out.put("error_description", "AADSTS900561: The endpoint only accepts POST requests.");
      send(ex, 405, out);
    } else if (!TENANT.equals(tenant)) {
      out.put("error", "invalid_request");
      out.put("error_description", "AADSTS90002: Tenant '" + tenant + "' not found.");
      send(ex, 400, out);
    } else if (!"client_credentials".equals(form.get("grant_type"))
        || form.get("scope") == null
        || !form.get("scope").endsWith("/.default")) {
      out.put("error", "invalid_request");
      out.put("error_description", "AADSTS90014: grant_type or scope missing or wrong.");
      send(ex, 400, out);
    } else if (!CLIENT_ID.equals(form.get("client_id"))) {
      out.put("error", "unauthorized_client");
      out.put("error_description", "AADSTS700016: Application not found in the directory.");
      send(ex, 400, out);
    } else if (!CLIENT_SECRET.equals(form.get("client_secret"))) {
      out.put("error", "invalid_client");
      out.put("error_description", "AADSTS7000215: Invalid client secret provided.");
      send(ex, 401, out);
    } else {
      String t = "fake." + UUID.randomUUID();
      tokens.add(t);
      out.put("token_type", "Bearer");
      out.put("expires_in", 3599);
      out.put("ext_expires_in", 3599);
      out.put("access_token", t);
      send(ex, 200, out);
    }
  }

  private void requireToken(HttpExchange ex) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth == null || !auth.startsWith("Bearer ")) {
      throw new GraphError(401, "InvalidAuthenticationToken", "Access token is empty.");
    }
    if (!tokens.contains(auth.substring(7))) {
      throw new GraphError(
          401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed, there are no dots");
    }
  }

  private void api(HttpExchange ex, String rest) throws IOException {
    String method = ex.getRequestMethod();
    Matcher m;
    if ((m = Pattern.compile("users/([^/]+)/drive").matcher(rest)).matches()) {
      String upn = decode(m.group(1)).toLowerCase(Locale.ROOT);
      String d;
      synchronized (this) {
        d = userDrives.get(upn);
      }
      if (d == null) {
        throw new GraphError(404, "ResourceNotFound", "User not found");
      }
      send(ex, 200, driveJson(d, "OneDrive", "business"));
      return;
    }
    if ((m = Pattern.compile("sites/([^/:]+):/sites/([^/:]+):?").matcher(rest)).matches()) {
      Site s;
      synchronized (this) {
        s = sites.get((decode(m.group(1)) + "/" + decode(m.group(2))).toLowerCase(Locale.ROOT));
      }
      if (s == null) {
        throw new GraphError(404, "itemNotFound", "Requested site could not be found");
      }
      ObjectNode o = JSON.createObjectNode();
      o.put("id", s.id());
      o.put("name", s.name());
      o.put("webUrl", "https://" + s.host() + "/sites/" + s.name());
      send(ex, 200, o);
      return;
    }
    if ((m = Pattern.compile("sites/([^/]+)/drives").matcher(rest)).matches()) {
      String id = decode(m.group(1));
      Site s;
      synchronized (this) {
        s = sites.values().stream().filter(x -> x.id().equals(id)).findFirst().orElse(null);
      }
      if (s == null) {
        throw new GraphError(404, "itemNotFound", "Requested site could not be found");
      }
      ObjectNode o = JSON.createObjectNode();
      ArrayNode v = o.putArray("value");
      s.drives().forEach((name, d) -> v.add(driveJson(d, name, "documentLibrary")));
      send(ex, 200, o);
      return;
    }
    if ((m = Pattern.compile("drives/([^/]+)/(.*)").matcher(rest)).matches()) {
      driveItem(ex, method, decode(m.group(1)), m.group(2));
      return;
    }
    throw new GraphError(400, "BadRequest", "Resource not found for the segment '" + rest + "'.");
  }

  private ObjectNode driveJson(String id, String name, String type) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", id);
    String host = type.equals("business") ? "contoso-my.sharepoint.com" : "contoso.sharepoint.com";
    StringBuilder url = new StringBuilder("https://" + host);
    for (String seg : drivePaths.get(id).split("/")) {
      url.append('/').append(encode(seg));
    }
    o.put("webUrl", url.toString());
    o.put("name", name);
    o.put("driveType", type);
    return o;
  }

  /**
   * {@code root[:/path:][/action]} or {@code items/{id}[:/path:][/action]}; a path with no action
   * may leave out its closing colon.
   */
  private void driveItem(HttpExchange ex, String method, String driveId, String addr)
      throws IOException {
    String base;
    String rest;
    if (addr.startsWith("root")) {
      base = "root@" + driveId;
      rest = addr.substring(4);
    } else if (addr.startsWith("items/")) {
      int end = addr.length();
      for (int i = 6; i < addr.length(); i++) {
        if (addr.charAt(i) == '/' || addr.charAt(i) == ':') {
          end = i;
          break;
        }
      }
      base = decode(addr.substring(6, end));
      if (base.equals("root")) {
        base = "root@" + driveId;
      }
      rest = addr.substring(end);
    } else {
      throw new GraphError(400, "BadRequest", "Unsupported segment");
    }
    String relPath = null;
    if (rest.startsWith(":")) {
      int close = rest.indexOf(':', 1);
      relPath = close < 0 ? rest.substring(1) : rest.substring(1, close);
      rest = close < 0 ? "" : rest.substring(close + 1);
    }
    String action = rest.startsWith("/") ? rest.substring(1) : rest;
    synchronized (this) {
      if (!items.containsKey("root@" + driveId)) {
        throw new GraphError(404, "itemNotFound", "The drive does not exist");
      }
    }
    byte[] body = body(ex);
    String query = ex.getRequestURI().getRawQuery();
    Map<String, String> q = form(query == null ? "" : query);
    synchronized (this) {
      Item anchor = items.get(base);
      if (anchor == null || !anchor.driveId.equals(driveId)) {
        throw notFound();
      }
      List<String> segs = relPath == null ? List.of() : segments(relPath);
      switch (method + " " + action) {
        case "GET " -> send(ex, 200, itemJson(require(resolve(anchor, segs))));
        case "GET children" -> children(ex, require(resolve(anchor, segs)), q);
        case "GET content" -> {
          Item f = require(resolve(anchor, segs));
          if (f.folder) {
            throw new GraphError(400, "invalidRequest", "The item is a folder, not a file");
          }
          ex.getResponseHeaders()
              .set("Location", "http://localhost:" + port + "/download/" + f.id + "?tempauth=x");
          ex.sendResponseHeaders(302, -1);
        }
        case "PUT content" -> simpleUpload(ex, anchor, segs, body, q);
        case "PATCH " -> patch(ex, require(resolve(anchor, segs)), body);
        case "DELETE " -> {
          Item i = require(resolve(anchor, segs));
          if (i.parentId == null) {
            throw new GraphError(403, "accessDenied", "The root of a drive cannot be deleted");
          }
          deleteTree(i);
          ex.sendResponseHeaders(204, -1);
        }
        case "POST children" -> createFolder(ex, require(resolve(anchor, segs)), body);
        case "POST createUploadSession" -> createSession(ex, anchor, segs, body);
        default ->
            throw new GraphError(
                405, "BadRequest", "The request " + method + " " + action + " is not supported");
      }
    }
  }

  private static GraphError notFound() {
    return new GraphError(404, "itemNotFound", "The resource could not be found.");
  }

  private static Item require(Item i) {
    if (i == null) {
      throw notFound();
    }
    return i;
  }

  private static List<String> segments(String relPath) {
    List<String> out = new ArrayList<>();
    for (String s : relPath.split("/")) {
      if (!s.isEmpty()) {
        out.add(decode(s));
      }
    }
    return out;
  }

  private Item root(String driveId) {
    return items.get("root@" + driveId);
  }

  private Item resolve(Item from, List<String> segs) {
    Item cur = from;
    for (String s : segs) {
      if (cur == null || !cur.folder) {
        return null;
      }
      cur = child(cur, s);
    }
    return cur;
  }

  private Item byPath(Item from, String path) {
    return resolve(from, segments(path));
  }

  private Item child(Item parent, String name) {
    for (Item i : items.values()) {
      if (parent.id.equals(i.parentId) && i.name.equalsIgnoreCase(name)) {
        return i; // OneDrive and SharePoint names are case-insensitive
      }
    }
    return null;
  }

  private List<Item> childrenOf(Item parent) {
    List<Item> out = new ArrayList<>();
    for (var e : items.entrySet()) {
      if (!e.getKey().startsWith("root@") && parent.id.equals(e.getValue().parentId)) {
        out.add(e.getValue());
      }
    }
    out.sort((a, b) -> a.name.compareToIgnoreCase(b.name));
    return out;
  }

  /**
   * What the service refuses of a new item {@code name} in {@code parent} besides its name: a
   * folder {@code Forms} at a library's root (the library's own), and a decoded server-relative
   * path of more than 400 characters, {@code pathIsTooLong} (the limit counts {@code
   * sites/{site}/{library url}/...}: "Restrictions and limitations in OneDrive and SharePoint";
   * MicrosoftDocs/OfficeDocs-O365ServiceDescriptions issue #617).
   */
  private void checkPlace(Item parent, String name) {
    if (parent.parentId == null && name.equalsIgnoreCase("Forms")) {
      throw new GraphError(
          400, "invalidRequest", "The name 'Forms' is reserved at the root of a document library");
    }
    StringBuilder path = new StringBuilder(name);
    for (Item i = parent; i != null && i.parentId != null; i = items.get(i.parentId)) {
      path.insert(0, i.name + "/");
    }
    path.insert(0, drivePaths.get(parent.driveId) + "/");
    if (path.codePointCount(0, path.length()) > MAX_PATH_CHARS) {
      throw new GraphError(
          400,
          "pathIsTooLong",
          "The path is too long: the decoded server-relative path may hold at most 400 characters");
    }
  }

  private static void checkName(String name) {
    for (char c : name.toCharArray()) {
      if (ILLEGAL.indexOf(c) >= 0 || c < 0x20) {
        throw new GraphError(
            400, "invalidRequest", "The provided name cannot contain any illegal characters.");
      }
    }
    if (name.isEmpty() || !name.equals(name.strip()) || RESERVED.matcher(name).matches()) {
      throw new GraphError(400, "invalidRequest", "The provided name is not allowed: " + name);
    }
  }

  private void children(HttpExchange ex, Item folder, Map<String, String> q) throws IOException {
    if (!folder.folder) {
      throw new GraphError(400, "invalidRequest", "The item is not a folder");
    }
    int top = pageSize;
    if (q.containsKey("$top")) {
      top = Math.min(Integer.parseInt(q.get("$top")), pageSize);
    }
    int skip = q.containsKey("$skiptoken") ? Integer.parseInt(q.get("$skiptoken")) : 0;
    List<Item> all = childrenOf(folder);
    ObjectNode o = JSON.createObjectNode();
    ArrayNode v = o.putArray("value");
    for (int i = skip; i < Math.min(all.size(), skip + top); i++) {
      v.add(itemJson(all.get(i)));
    }
    if (skip + top < all.size()) {
      o.put(
          "@odata.nextLink",
          baseUrl()
              + "/drives/"
              + folder.driveId
              + "/items/"
              + folder.id
              + "/children?$top="
              + top
              + "&$skiptoken="
              + (skip + top));
    }
    send(ex, 200, o);
  }

  private void simpleUpload(
      HttpExchange ex, Item anchor, List<String> segs, byte[] body, Map<String, String> q)
      throws IOException {
    bytesReceived.addAndGet(body.length);
    if (segs.isEmpty()) {
      throw new GraphError(400, "invalidRequest", "A file name is required");
    }
    if (body.length > MAX_SIMPLE_UPLOAD) {
      throw new GraphError(
          413, "requestTooLarge", "Simple upload is limited to 250 MB; use an upload session");
    }
    Item parent = resolve(anchor, segs.subList(0, segs.size() - 1));
    if (parent == null || !parent.folder) {
      throw notFound();
    }
    String name = segs.get(segs.size() - 1);
    checkName(name);
    checkPlace(parent, name);
    Item existing = child(parent, name);
    String conflict = q.getOrDefault("@microsoft.graph.conflictBehavior", "replace");
    Store stored = store(parent, name, existing, conflict, body, null);
    send(ex, stored.created ? 201 : 200, itemJson(stored.item));
  }

  private record Store(Item item, boolean created) {}

  private Store store(
      Item parent, String name, Item existing, String conflict, byte[] data, Instant fsModified) {
    if (existing != null && existing.folder) {
      throw new GraphError(409, "nameAlreadyExists", "A folder with this name already exists");
    }
    if (existing != null && "fail".equals(conflict)) {
      throw new GraphError(409, "nameAlreadyExists", "The specified item name already exists.");
    }
    long used = 0;
    for (Item i : items.values()) {
      used += i.content.length;
    }
    if (used - (existing == null ? 0 : existing.content.length) + data.length > quotaBytes) {
      throw new GraphError(
          507, "quotaLimitReached", "Insufficient Space Available: the drive is full");
    }
    boolean created = existing == null || "rename".equals(conflict);
    Item f = existing;
    if (created) {
      String n = name;
      for (int k = 1; child(parent, n) != null; k++) {
        int dot = name.lastIndexOf('.');
        n = dot > 0 ? name.substring(0, dot) + " " + k + name.substring(dot) : name + " " + k;
      }
      f = new Item(parent.driveId, parent.id, n, false);
      items.put(f.id, f);
    }
    if (alterOffice && OFFICE.matcher(f.name).matches()) {
      byte[] altered = java.util.Arrays.copyOf(data, data.length + LIBRARY_METADATA.length);
      System.arraycopy(LIBRARY_METADATA, 0, altered, data.length, LIBRARY_METADATA.length);
      data = altered;
    }
    f.content = data;
    f.version++;
    f.hashlessReads = hashLag.getAndSet(0);
    f.modified = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    f.fsModified = fsModified != null ? fsModified : f.modified;
    return new Store(f, created);
  }

  private void patch(HttpExchange ex, Item item, byte[] body) throws IOException {
    JsonNode in = JSON.readTree(body);
    JsonNode fsi = in.path("fileSystemInfo");
    if (fsi.has("lastModifiedDateTime")) {
      item.fsModified = parseTime(fsi.get("lastModifiedDateTime").asText());
    }
    if (in.has("name")) {
      checkName(in.get("name").asText());
      item.name = in.get("name").asText();
    }
    item.modified = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    if (!item.folder) {
      item.version++; // a metadata change is a new version on business drives
    }
    send(ex, 200, itemJson(item));
  }

  private static Instant parseTime(String s) {
    try {
      return OffsetDateTime.parse(s).toInstant().truncatedTo(ChronoUnit.SECONDS);
    } catch (RuntimeException e) {
      throw new GraphError(400, "invalidRequest", "Invalid date: " + s);
    }
  }

  private void deleteTree(Item i) {
    for (Item c : childrenOf(i)) {
      deleteTree(c);
    }
    items.remove(i.id);
  }

  private void createFolder(HttpExchange ex, Item parent, byte[] body) throws IOException {
    if (!parent.folder) {
      throw new GraphError(400, "invalidRequest", "The parent is not a folder");
    }
    JsonNode in = JSON.readTree(body);
    String name = in.path("name").asText("");
    if (!in.has("folder")) {
      throw new GraphError(400, "invalidRequest", "Only folders can be created this way");
    }
    checkName(name);
    checkPlace(parent, name);
    String conflict = in.path("@microsoft.graph.conflictBehavior").asText("fail");
    Item existing = child(parent, name);
    if (existing != null) {
      switch (conflict) {
        case "replace" -> deleteTree(existing);
        case "rename" -> {
          int k = 1;
          while (child(parent, name + " " + k) != null) {
            k++;
          }
          name = name + " " + k;
        }
        default ->
            throw new GraphError(
                409, "nameAlreadyExists", "The specified item name already exists.");
      }
    }
    Item f = new Item(parent.driveId, parent.id, name, true);
    items.put(f.id, f);
    send(ex, 201, itemJson(f));
  }

  private void createSession(HttpExchange ex, Item anchor, List<String> segs, byte[] body)
      throws IOException {
    if (segs.isEmpty()) {
      throw new GraphError(400, "invalidRequest", "A file name is required");
    }
    Item parent = resolve(anchor, segs.subList(0, segs.size() - 1));
    if (parent == null || !parent.folder) {
      throw notFound();
    }
    String name = segs.get(segs.size() - 1);
    checkName(name);
    checkPlace(parent, name);
    JsonNode item = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body).path("item");
    // an upload session's default is fail (replace is the default of a simple PUT only)
    String conflict = item.path("@microsoft.graph.conflictBehavior").asText("fail");
    Item existing = child(parent, name);
    if (existing != null && "fail".equals(conflict)) {
      throw new GraphError(409, "nameAlreadyExists", "The specified item name already exists.");
    }
    JsonNode fsi = item.path("fileSystemInfo");
    Instant fsModified =
        fsi.has("lastModifiedDateTime")
            ? parseTime(fsi.get("lastModifiedDateTime").asText())
            : null;
    Session s = new Session(parent.driveId, parent.id, name, conflict, fsModified);
    sessions.put(s.id, s);
    ObjectNode o = sessionJson(s);
    o.put("uploadUrl", "http://localhost:" + port + "/upload/" + s.id + "?tempauth=" + s.auth);
    send(ex, 200, o);
  }

  private ObjectNode sessionJson(Session s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("expirationDateTime", s.expires.toString());
    o.putArray("nextExpectedRanges").add(s.received.size() + "-");
    return o;
  }

  private static final Pattern RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+)");

  private void upload(HttpExchange ex, String sessionId) throws IOException {
    Session s = sessions.get(sessionId);
    String query = ex.getRequestURI().getRawQuery();
    if (s == null
        || query == null
        || !query.equals("tempauth=" + s.auth)
        || s.expires.isBefore(Instant.now())) {
      drain(ex);
      throw new GraphError(404, "itemNotFound", "The upload session was not found.");
    }
    if (ex.getRequestHeaders().getFirst("Authorization") != null) {
      drain(ex);
      throw new GraphError(
          401,
          "unauthenticated",
          "The upload URL is pre-authenticated: requests to it must not carry an Authorization"
              + " header");
    }
    switch (ex.getRequestMethod()) {
      case "GET" -> {
        synchronized (s) {
          send(ex, 200, sessionJson(s));
        }
      }
      case "DELETE" -> {
        sessions.remove(sessionId);
        ex.sendResponseHeaders(204, -1);
      }
      case "PUT" -> {
        if (sessionNotFound.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
          drain(ex);
          throw new GraphError(404, "itemNotFound", "The upload session was not found");
        }
        fragment(ex, s);
      }
      default -> throw new GraphError(405, "invalidRequest", "Method not allowed");
    }
  }

  private void fragment(HttpExchange ex, Session s) throws IOException {
    String range = ex.getRequestHeaders().getFirst("Content-Range");
    String lengthHeader = ex.getRequestHeaders().getFirst("Content-Length");
    Matcher m = range == null ? null : RANGE.matcher(range.strip());
    if (m == null || !m.matches()) {
      drain(ex);
      throw new GraphError(
          400, "invalidRequest", "The Content-Range header is missing or malformed: " + range);
    }
    long from = Long.parseLong(m.group(1));
    long to = Long.parseLong(m.group(2));
    long total = Long.parseLong(m.group(3));
    long declared = lengthHeader == null ? -1 : Long.parseLong(lengthHeader);
    long length = to - from + 1;
    if (length >= MAX_FRAGMENT || declared >= MAX_FRAGMENT) {
      drain(ex);
      throw new GraphError(
          400, "invalidRequest", "A fragment must be smaller than 60 MiB (62,914,560 bytes)");
    }
    byte[] body = body(ex);
    bytesReceived.addAndGet(body.length);
    if (to < from || to >= total || body.length != length) {
      throw new GraphError(
          400,
          "invalidRequest",
          "The Content-Range header length does not match the provided number of bytes.");
    }
    boolean last = to == total - 1;
    // every fragment but the last ends on a 320 KiB boundary (a fragment that continues one the
    // service kept part of starts off the boundary and ends on it again, OneDrive API docs #75)
    if (!last && (to + 1) % FRAGMENT_UNIT != 0) {
      throw new GraphError(
          400,
          "invalidRequest",
          "A fragment's size must be a multiple of 320 KiB (327,680 bytes), except the last one");
    }
    if (failFragments.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
      throw new GraphError(500, "generalException", "An unspecified error has occurred.");
    }
    Item done;
    boolean created;
    synchronized (s) {
      if (s.total >= 0 && s.total != total) {
        throw new GraphError(
            400, "invalidRequest", "The declared total size differs from the earlier fragments'");
      }
      if (from != s.received.size()) {
        throw new GraphError(
            416,
            "invalidRange",
            "The uploaded fragment overlaps with data that has already been received, or leaves a"
                + " gap: expected a range starting at "
                + s.received.size());
      }
      s.total = total;
      boolean failAfter = storeThenFail.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
      int keep =
          failAfter && storeThenFailKeep >= 0
              ? Math.min(storeThenFailKeep, body.length)
              : body.length;
      s.received.write(body, 0, keep);
      if (keep < body.length || !last) {
        if (failAfter) {
          throw storedButFailed();
        }
        send(ex, 202, sessionJson(s));
        return;
      }
      sessions.remove(s.id);
      synchronized (this) {
        Item parent = items.get(s.parentId);
        if (parent == null) {
          throw notFound();
        }
        Store st =
            store(
                parent,
                s.name,
                child(parent, s.name),
                s.conflict,
                s.received.toByteArray(),
                s.fsModified);
        done = st.item;
        created = st.created;
        if (failAfter) {
          throw storedButFailed();
        }
        if (finalWithoutItem.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
          ObjectNode o = JSON.createObjectNode();
          o.put("expirationDateTime", s.expires.toString());
          o.putArray("nextExpectedRanges");
          send(ex, 201, o);
          return;
        }
        send(ex, created ? 201 : 200, itemJson(done));
      }
    }
  }

  private GraphError storedButFailed() {
    return switch (storeThenFailStatus) {
      case 503 -> new GraphError(503, "serviceNotAvailable", "Service temporarily unavailable");
      case 504 -> new GraphError(504, "gatewayTimeout", "The operation has timed out");
      default -> new GraphError(500, "generalException", "An unspecified error has occurred.");
    };
  }

  private void download(HttpExchange ex, String rest) throws IOException {
    String id = rest.contains("?") ? rest.substring(0, rest.indexOf('?')) : rest;
    byte[] data;
    synchronized (this) {
      Item f = items.get(id);
      if (f == null) {
        throw notFound();
      }
      data = f.content;
    }
    ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
    ex.sendResponseHeaders(200, data.length == 0 ? -1 : data.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(data);
    }
  }

  private ObjectNode itemJson(Item i) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", i.id);
    o.put("name", i.name);
    o.put("eTag", "\"{" + i.id + "}," + i.version + "\"");
    o.put("cTag", "\"c:{" + i.id + "}," + i.version + "\"");
    o.put("createdDateTime", i.created.toString());
    o.put("lastModifiedDateTime", i.modified.toString());
    ObjectNode fsi = o.putObject("fileSystemInfo");
    fsi.put("createdDateTime", i.created.toString());
    fsi.put("lastModifiedDateTime", i.fsModified.toString());
    if (i.parentId == null) {
      o.putObject("root");
      o.put("size", 0);
    } else {
      ObjectNode p = o.putObject("parentReference");
      p.put("driveId", i.driveId);
      p.put("driveType", "business");
      p.put("id", i.parentId);
    }
    if (i.folder) {
      o.putObject("folder").put("childCount", childrenOf(i).size());
      long size = 0;
      for (Item c : childrenOf(i)) {
        size += c.content.length;
      }
      o.put("size", size);
    } else {
      o.put("size", i.content.length);
      ObjectNode f = o.putObject("file");
      f.put("mimeType", "application/octet-stream");
      if (i.hashlessReads > 0) {
        i.hashlessReads--; // not computed yet
      } else {
        f.putObject("hashes").put("quickXorHash", QuickXorHash.of(i.content));
      }
    }
    return o;
  }

  private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] b = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  private static byte[] body(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      return in.readAllBytes();
    }
  }

  private static void drain(HttpExchange ex) {
    try (InputStream in = ex.getRequestBody()) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException ignored) {
      // the client went away
    }
  }

  private static Map<String, String> form(String s) {
    Map<String, String> out = new HashMap<>();
    for (String kv : s.split("&")) {
      if (kv.isEmpty()) {
        continue;
      }
      int eq = kv.indexOf('=');
      out.put(
          URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
          eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** Percent-encodes one path segment as a client must. */
  public static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
