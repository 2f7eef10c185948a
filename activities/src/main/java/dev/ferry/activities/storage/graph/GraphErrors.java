package dev.ferry.activities.storage.graph;

import com.microsoft.graph.models.odataerrors.MainError;
import com.microsoft.graph.models.odataerrors.ODataError;
import com.microsoft.kiota.ApiException;
import dev.ferry.activities.storage.RetryAfter;
import dev.ferry.activities.storage.StorageException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Turns what the Graph SDK throws, and Graph's JSON error bodies ({@code
 * {"error":{"code":...,"message":...}}}), into Ferry's {@link StorageException} kinds: a
 * plain-words explanation first, then Graph's own code and message.
 *
 * <table>
 *   <caption>Mapping</caption>
 *   <tr><th>Graph</th><th>kind</th></tr>
 *   <tr><td>401 (InvalidAuthenticationToken, ...), 403 (accessDenied, ...), a refused token
 *       request</td><td>access denied, saying what to set or grant</td></tr>
 *   <tr><td>404 (itemNotFound, ...)</td><td>not found</td></tr>
 *   <tr><td>429 (activityLimitReached), 503 (serviceNotAvailable), 509</td>
 *       <td>throttled, after Retry-After (5 s when Graph gives none), advising a lower concurrency
 *       when it lasts</td></tr>
 *   <tr><td>507 insufficientStorage, quotaLimitReached</td><td>permanent: the drive is full</td></tr>
 *   <tr><td>other 5xx, 408, 409 resourceModified, 412, 416 invalidRange, 423 resourceLocked,
 *       network and I/O errors</td><td>transient</td></tr>
 *   <tr><td>other 4xx (invalidRequest: a bad name, 413 too large, nameAlreadyExists, ...)</td>
 *       <td>permanent</td></tr>
 * </table>
 */
final class GraphErrors {
  static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);

  private GraphErrors() {}

  /**
   * The application permission Ferry needs on a drive of {@code kind}: {@code Sites.ReadWrite.All}
   * for both, since {@code createUploadSession}, which writes every file, lists only it among
   * application permissions (Files.ReadWrite.All covers reading and the drive's look-up only).
   */
  static String permission(String kind) {
    return "Sites.ReadWrite.All";
  }

  /** What to grant, in words, for a drive of {@code kind} (null: either kind). */
  static String grant(String kind) {
    String where =
        kind == null
            ? "OneDrive and SharePoint"
            : kind.equals("onedrive")
                ? "OneDrive (a user's drive is a SharePoint site)"
                : "SharePoint";
    return "the app registration needs the application permission "
        + permission(kind)
        + " of Microsoft Graph for "
        + where
        + ", with admin consent (uploads use createUploadSession, whose application permission it"
        + " is)";
  }

  /** Advice when Graph keeps asking to slow down. */
  static final String LOWER_CONCURRENCY =
      "if this lasts, Microsoft is throttling the tenant: lower the job's concurrency"
          + " (--concurrency, or the job's concurrency option) or run outside office hours";

  /** Classifies {@code e}, which happened while doing {@code what} (no secrets in it). */
  static StorageException classify(String what, Throwable e) {
    return classify(what, e, null);
  }

  /**
   * As {@link #classify(String, Throwable)}, naming the permission a drive of {@code kind} needs.
   */
  static StorageException classify(String what, Throwable e, String kind) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StorageException se) {
        return se;
      }
      if (t instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        return new StorageException.Transient(what + ": interrupted", e);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    if (e instanceof ODataError oe) {
      MainError err = oe.getError();
      return fromService(
          what,
          oe.getResponseStatusCode(),
          err == null ? null : err.getCode(),
          err == null ? null : err.getMessage(),
          retryAfter(oe.getResponseHeaders()),
          e,
          kind);
    }
    if (e instanceof ApiException ae && ae.getResponseStatusCode() > 0) {
      return fromService(
          what,
          ae.getResponseStatusCode(),
          null,
          ae.getMessage(),
          retryAfter(ae.getResponseHeaders()),
          e,
          kind);
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return new StorageException.Transient(
        what
            + ": could not reach Microsoft Graph ("
            + root.getClass().getSimpleName()
            + (root.getMessage() == null ? "" : ": " + firstLine(root.getMessage()))
            + ")",
        e);
  }

  /** Classifies an answer given by its parts; {@code code}, message and retryAfter may be null. */
  static StorageException fromService(
      String what, int status, String code, String message, Duration retryAfter, Throwable cause) {
    return fromService(what, status, code, message, retryAfter, cause, null);
  }

  /** As above, for a drive of {@code kind} ({@code onedrive}, {@code sharepoint}, or null). */
  static StorageException fromService(
      String what,
      int status,
      String code,
      String message,
      Duration retryAfter,
      Throwable cause,
      String kind) {
    String c = code == null ? "" : code;
    String tail =
        code == null && (message == null || message.isBlank())
            ? " (HTTP " + status + ")"
            : " (HTTP "
                + status
                + (code == null ? "" : " " + code)
                + (message == null || message.isBlank() ? "" : ": " + firstLine(message))
                + ")";
    if (status == 429 || status == 503 || status == 509) {
      Duration wait = retryAfter == null ? DEFAULT_RETRY_AFTER : retryAfter;
      return new StorageException.Throttled(
          what
              + ": Microsoft Graph is busy and asked to slow down, retry after "
              + wait.toMillis()
              + " ms; "
              + LOWER_CONCURRENCY
              + tail,
          wait,
          cause);
    }
    if (status == 507 || c.equals("insufficientStorage") || c.equals("quotaLimitReached")) {
      return new StorageException.Permanent(
          what
              + ": the drive is full (its storage quota is used up): free space or raise the"
              + " quota"
              + tail,
          cause);
    }
    if (status == 401) {
      return new StorageException.AccessDenied(
          what
              + ": Microsoft Graph did not accept Ferry's credentials: "
              + GraphSettings.CHECK_CREDENTIALS
              + "; a token without a 'roles' claim means no application permission was granted: "
              + grant(kind)
              + tail,
          cause);
    }
    if (status == 403) {
      return new StorageException.AccessDenied(
          what + ": access denied: " + grant(kind) + tail, cause);
    }
    if (status == 404) {
      return new StorageException.NotFound(what + ": not found" + tail, cause);
    }
    if (status >= 500 || status == 408 || status == 412 || status == 423 || status == 416) {
      String words =
          switch (status) {
            case 416 -> "the upload session expected other bytes than were sent; starting again";
            case 423 -> "the file is locked (checked out or open in an app)";
            case 412 -> "the item changed while it was being written";
            case 408 -> "the request timed out";
            default -> "Microsoft Graph had a server error";
          };
      return status == 416
          ? new StorageException.UploadLost(what + ": " + words + tail, cause)
          : new StorageException.Transient(what + ": " + words + tail, cause);
    }
    if (status == 409 && c.equals("resourceModified")) {
      return new StorageException.Transient(
          what + ": the item changed while it was being written" + tail, cause);
    }
    String words =
        switch (c) {
          case "invalidRequest" ->
              "Microsoft Graph refused the request (a name with characters or a form OneDrive and"
                  + " SharePoint do not allow?)";
          case "nameAlreadyExists" -> "an item with this name is in the way";
          default ->
              status == 413
                  ? "the request is larger than Microsoft Graph accepts"
                  : "Microsoft Graph refused the request";
        };
    return new StorageException.Permanent(what + ": " + words + tail, cause);
  }

  /** The Retry-After in {@code headers} (seconds or an HTTP date), or null. */
  static Duration retryAfter(Map<String, Set<String>> headers) {
    if (headers == null) {
      return null;
    }
    for (var e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase("Retry-After") && !e.getValue().isEmpty()) {
        return RetryAfter.parse(e.getValue().iterator().next(), Clock.systemUTC()).orElse(null);
      }
    }
    return null;
  }

  static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).strip();
  }
}
