package dev.ferry.activities.storage.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpResponse;
import com.azure.storage.blob.models.BlobStorageException;
import dev.ferry.activities.storage.RetryAfter;
import dev.ferry.activities.storage.StorageException;
import java.time.Clock;
import java.time.Duration;

/**
 * Turns what the Azure SDK throws into Ferry's {@link StorageException} kinds, keeping the
 * service's own error code and message after a plain-words explanation.
 *
 * <table>
 *   <caption>Mapping</caption>
 *   <tr><th>Azure</th><th>kind</th></tr>
 *   <tr><td>401, 403 (AuthenticationFailed, AuthorizationFailure, ...)</td>
 *       <td>access denied, with the credential variables to set</td></tr>
 *   <tr><td>404 (BlobNotFound, ContainerNotFound, ...)</td><td>not found</td></tr>
 *   <tr><td>429, 503, ServerBusy, OperationTimedOut</td>
 *       <td>throttled, after Retry-After (1 s when the service gives none)</td></tr>
 *   <tr><td>other 5xx, 408, 412 (the blob changed while read), Md5Mismatch, ContainerBeingDeleted,
 *       network and I/O errors</td><td>transient</td></tr>
 *   <tr><td>other 4xx (InvalidBlobOrBlock, InvalidResourceName, RequestBodyTooLarge, BlobArchived,
 *       quotas, ...)</td><td>permanent</td></tr>
 * </table>
 */
final class AzureErrors {
  static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  private AzureErrors() {}

  /** Classifies {@code e}, which happened while doing {@code what} (no secrets in it). */
  static StorageException classify(String what, RuntimeException e) {
    if (e instanceof StorageException se) {
      return se;
    }
    if (e instanceof BlobStorageException bse) {
      String code = bse.getErrorCode() == null ? null : bse.getErrorCode().toString();
      return fromService(
          what,
          bse.getStatusCode(),
          code,
          bse.getServiceMessage(),
          retryAfter(bse.getResponse()),
          bse);
    }
    if (e instanceof HttpResponseException hre && hre.getResponse() != null) {
      return fromService(
          what,
          hre.getResponse().getStatusCode(),
          null,
          hre.getMessage(),
          retryAfter(hre.getResponse()),
          hre);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        return new StorageException.Transient(what + ": interrupted", e);
      }
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return new StorageException.Transient(
        what
            + ": could not reach Azure ("
            + root.getClass().getSimpleName()
            + (root.getMessage() == null ? "" : ": " + firstLine(root.getMessage()))
            + ")",
        e);
  }

  /** Classifies a service answer given by its parts; {@code code} and the message may be null. */
  static StorageException fromService(
      String what,
      int status,
      String code,
      String serviceMessage,
      Duration retryAfter,
      Throwable cause) {
    String c = code == null ? "" : code;
    String tail =
        " (Azure "
            + status
            + (c.isEmpty() ? "" : " " + c)
            + (serviceText(serviceMessage) == null ? "" : ": " + serviceText(serviceMessage))
            + ")";
    if (status == 401 || status == 403) {
      String words =
          switch (c) {
            case "AuthenticationFailed", "InvalidAuthenticationInfo" ->
                "Azure refused the credentials (a wrong account key, an expired or malformed SAS"
                    + " token, or a clock more than 15 minutes off)";
            case "NoAuthenticationInformation" -> "Azure received no credentials";
            case "AccountIsDisabled" -> "the storage account is disabled";
            default ->
                "Azure denied access (a wrong account key or SAS token, credentials that lack a"
                    + " permission this needs, or a firewall rule that blocks this address)";
          };
      return new StorageException.AccessDenied(
          what + ": " + words + tail + "; " + AzureSettings.CREDENTIALS_HINT, cause);
    }
    if (status == 404) {
      String words =
          switch (c) {
            case "ContainerNotFound" -> "the container does not exist";
            case "BlobNotFound" -> "no such blob";
            default -> "not found";
          };
      return new StorageException.NotFound(what + ": " + words + tail, cause);
    }
    if (status == 429 || status == 503 || c.equals("ServerBusy") || c.equals("OperationTimedOut")) {
      Duration wait = retryAfter == null ? DEFAULT_RETRY_AFTER : retryAfter;
      return new StorageException.Throttled(
          what
              + ": Azure is busy and asked to slow down, retry after "
              + wait.toMillis()
              + " ms"
              + tail,
          wait,
          cause);
    }
    if (status >= 500) {
      return new StorageException.Transient(what + ": Azure had a server error" + tail, cause);
    }
    switch (c) {
      case "Md5Mismatch" -> {
        return new StorageException.Transient(
            what + ": the data was damaged on the way (MD5 mismatch)" + tail, cause);
      }
      case "ContainerBeingDeleted" -> {
        return new StorageException.Transient(
            what + ": the container is being deleted; try again once it is gone" + tail, cause);
      }
      case "ConditionNotMet" -> {
        return new StorageException.Transient(
            what + ": the blob changed while it was being read or written" + tail, cause);
      }
      default -> {
        // fall through to the status
      }
    }
    if (status == 408) {
      return new StorageException.Transient(what + ": the request timed out" + tail, cause);
    }
    String words =
        switch (c) {
          case "InvalidResourceName" -> "Azure does not accept this name";
          case "InvalidBlobOrBlock" ->
              "Azure refused the blob or block content (a block list that does not match the"
                  + " staged blocks, or block ids of mixed lengths)";
          case "RequestBodyTooLarge" -> "the request body is larger than Azure accepts";
          case "BlockCountExceedsLimit", "BlockListTooLong" ->
              "the blob would have more than 50,000 blocks";
          case "BlobArchived" ->
              "the blob is in the Archive tier: rehydrate it to Hot, Cool or Cold first";
          case "BlobBeingRehydrated" -> "the blob is being rehydrated from the Archive tier";
          case "SnapshotsPresent" -> "the blob has snapshots; Ferry does not delete snapshots";
          case "LeaseIdMissing", "LeaseIdMismatchWithBlobOperation", "LeaseAlreadyPresent" ->
              "the blob is leased by another client";
          case "InvalidHeaderValue" -> "Azure refused a header value (an unsupported access tier?)";
          default -> "Azure refused the request";
        };
    return new StorageException.Permanent(what + ": " + words + tail, cause);
  }

  /** The Retry-After a response carries (seconds or an HTTP date), or null. */
  static Duration retryAfter(HttpResponse response) {
    if (response == null) {
      return null;
    }
    return RetryAfter.parse(response.getHeaderValue("Retry-After"), Clock.systemUTC()).orElse(null);
  }

  /**
   * The service's own message: the first line of the {@code <Message>} of an XML error body, else
   * the text as given; null when there is none beyond the SDK's "Status code N, ..." wording.
   */
  static String serviceText(String message) {
    if (message == null || message.isBlank()) {
      return null;
    }
    int start = message.indexOf("<Message>");
    if (start >= 0) {
      int end = message.indexOf("</Message>", start);
      String inner = message.substring(start + 9, end < 0 ? message.length() : end);
      return inner.isBlank() ? null : firstLine(inner);
    }
    return message.contains("Status code ") ? null : firstLine(message);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).strip();
  }
}
