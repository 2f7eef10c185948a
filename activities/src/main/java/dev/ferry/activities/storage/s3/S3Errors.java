package dev.ferry.activities.storage.s3;

import dev.ferry.activities.storage.RetryAfter;
import dev.ferry.activities.storage.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Maps what the AWS SDK throws onto {@link StorageException} kinds, with a message that says in
 * plain words what happened, then the provider's own error code and message, then what to do.
 *
 * <ul>
 *   <li>401/403, {@code InvalidAccessKeyId}, {@code SignatureDoesNotMatch}, {@code AccessDenied},
 *       {@code RequestTimeTooSkewed}, and no credentials found at all: {@link
 *       StorageException.AccessDenied}
 *   <li>404, {@code NoSuchKey}, {@code NoSuchBucket}: {@link StorageException.NotFound}
 *   <li>429, 503, {@code SlowDown}: {@link StorageException.Throttled}, waiting as long as the
 *       {@code Retry-After} header says (seconds or an HTTP date), else 1 s
 *   <li>other 5xx (except 501 Not Implemented), network errors and timeouts, and the 4xx codes that
 *       mean the request was damaged, cut short or overtaken on the way ({@code BadDigest}, {@code
 *       RequestTimeout}, {@code IncompleteBody}, {@code NoSuchUpload}, {@code OperationAborted}):
 *       {@link StorageException.Transient}
 *   <li>other 4xx ({@code KeyTooLong}, {@code InvalidArgument}, {@code EntityTooLarge}, ...), 501,
 *       and 301 (the bucket is in another region): {@link StorageException.Permanent}
 * </ul>
 *
 * <p>Messages never contain credentials: the SDK's error messages do not carry them, and this class
 * adds only the location, the operation and the provider's code and message.
 */
final class S3Errors {
  static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

  private static final Set<String> BAD_CREDENTIALS =
      Set.of(
          "InvalidAccessKeyId",
          "SignatureDoesNotMatch",
          "InvalidToken",
          "ExpiredToken",
          "TokenRefreshRequired",
          "InvalidSecurity");
  private static final Set<String> NOT_FOUND = Set.of("NoSuchKey", "NoSuchBucket", "NotFound");
  private static final Set<String> THROTTLED =
      Set.of("SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded");
  private static final Set<String> TRANSIENT_4XX =
      Set.of("BadDigest", "RequestTimeout", "IncompleteBody", "NoSuchUpload", "OperationAborted");

  private static final String KEYS_HINT =
      "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the AWS profile or role in use)";
  private static final String PERMISSIONS_HINT =
      "the credentials were accepted but may not do this: check the bucket policy and the IAM"
          + " permissions (s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject,"
          + " s3:CreateBucket)";
  private static final String KEYS_OR_PERMISSIONS_HINT =
      "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, and the bucket policy and IAM permissions";
  private static final String CLOCK_HINT =
      "this machine's clock differs from the server's by more than 15 minutes: fix the system time";

  private S3Errors() {}

  /**
   * Classifies a failure.
   *
   * @param e what the SDK (or the data stream) threw
   * @param action what Ferry was doing, as a gerund: {@code "writing"}, {@code "listing"}
   * @param location the object or root concerned, as {@code s3://bucket/key}
   */
  static StorageException classify(Throwable e, String action, String location) {
    if (e instanceof StorageException se) {
      return se;
    }
    if (e instanceof SdkServiceException se) {
      return classifyService(se, action, location);
    }
    if (e instanceof SdkClientException ce && isMissingCredentials(ce)) {
      return new StorageException.AccessDenied(
          "no AWS credentials found for "
              + location
              + " while "
              + action
              + ": set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or configure an AWS profile or"
              + " role",
          e);
    }
    // SdkClientException (connection refused or reset, timeouts, unknown host, a response cut
    // short), IOException from the data stream, anything else: the network, not the request.
    return new StorageException.Transient(
        "network error while " + action + " " + location + ": " + rootCause(e), e);
  }

  private static StorageException classifyService(
      SdkServiceException e, String action, String location) {
    int status = e.statusCode();
    String code = errorCode(e);
    String detail = " (" + providerDetail(e, code, status) + ")";
    String where = location + " while " + action;
    if (BAD_CREDENTIALS.contains(code) || status == 401) {
      return new StorageException.AccessDenied(
          "access denied by " + where + detail + ": " + KEYS_HINT, e);
    }
    if ("RequestTimeTooSkewed".equals(code)) {
      return new StorageException.AccessDenied(
          "access denied by " + where + detail + ": " + CLOCK_HINT, e);
    }
    if ("AccessDenied".equals(code)) {
      return new StorageException.AccessDenied(
          "access denied by " + where + detail + ": " + PERMISSIONS_HINT, e);
    }
    if (status == 403) { // a HEAD response: no error code says whether the keys or the rights
      return new StorageException.AccessDenied(
          "access denied by " + where + detail + ": " + KEYS_OR_PERMISSIONS_HINT, e);
    }
    if (status == 301
        || "PermanentRedirect".equals(code)
        || "IllegalLocationConstraintException".equals(code)) {
      String region = header(e, "x-amz-bucket-region");
      return new StorageException.Permanent(
          "wrong region for "
              + where
              + detail
              + ": set AWS_REGION to the bucket's region"
              + (region == null ? "" : " (" + region + ")"),
          e);
    }
    if (THROTTLED.contains(code) || status == 429 || status == 503) {
      Duration wait = retryAfter(e);
      return new StorageException.Throttled(
          "throttled by "
              + where
              + ": the server asked Ferry to slow down"
              + detail
              + "; retry after "
              + show(wait),
          wait,
          e);
    }
    if ("NoSuchBucket".equals(code)) {
      return new StorageException.NotFound(
          "not found: the bucket of " + where + " does not exist" + detail, e);
    }
    if (TRANSIENT_4XX.contains(code)) {
      return new StorageException.Transient(
          "the request did not go through: " + where + detail + "; worth retrying", e);
    }
    if (NOT_FOUND.contains(code) || status == 404) {
      return new StorageException.NotFound("not found: " + where + detail, e);
    }
    if (status >= 500 && status != 501) {
      return new StorageException.Transient(
          "server error from " + where + detail + "; worth retrying", e);
    }
    return new StorageException.Permanent(
        "the server refused the request for " + where + detail + "; retrying will not help", e);
  }

  /** The provider's error code, or empty when the response had none (HEAD responses have none). */
  static String errorCode(SdkServiceException e) {
    if (e instanceof AwsServiceException ae && ae.awsErrorDetails() != null) {
      String code = ae.awsErrorDetails().errorCode();
      return code == null ? "" : code;
    }
    return "";
  }

  private static String providerDetail(SdkServiceException e, String code, int status) {
    String message = null;
    if (e instanceof AwsServiceException ae && ae.awsErrorDetails() != null) {
      message = ae.awsErrorDetails().errorMessage();
    }
    String head = code.isEmpty() ? "HTTP " + status : code;
    return message == null || message.isBlank() ? head : head + ": " + message;
  }

  /** How long the server asked us to wait, from its {@code Retry-After} header; 1 s by default. */
  static Duration retryAfter(SdkServiceException e) {
    return RetryAfter.parse(header(e, "Retry-After"), Clock.systemUTC())
        .orElse(DEFAULT_RETRY_AFTER);
  }

  /** A header of the error response, or null. */
  private static String header(SdkServiceException e, String name) {
    if (e instanceof AwsServiceException ae) {
      AwsErrorDetails d = ae.awsErrorDetails();
      if (d != null && d.sdkHttpResponse() != null) {
        return d.sdkHttpResponse().firstMatchingHeader(name).orElse(null);
      }
    }
    return null;
  }

  private static String show(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static boolean isMissingCredentials(SdkClientException e) {
    String m = e.getMessage();
    return m != null && m.contains("Unable to load credentials");
  }

  /** The innermost cause, as {@code Class: message}, which is what says what the network did. */
  static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    if (t instanceof UncheckedIOException u && u.getCause() != null) {
      t = u.getCause();
    }
    String name = t instanceof IOException || t != e ? t.getClass().getSimpleName() : "";
    String msg = t.getMessage() == null ? "" : t.getMessage();
    if (name.isEmpty()) {
      return msg.isEmpty() ? t.getClass().getSimpleName() : msg;
    }
    return msg.isEmpty() ? name : name + ": " + msg;
  }
}
