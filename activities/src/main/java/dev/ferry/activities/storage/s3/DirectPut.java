package dev.ferry.activities.storage.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * A single-request PutObject sent straight through the S3 client's own HTTP connection pool and
 * SigV4 signer, without the SDK's request pipeline.
 *
 * <p>Why: for small files that pipeline is most of Ferry's CPU. A profile of 20,000 files of about
 * 32 KiB to s3proxy put half of all samples under {@code AwsSyncClientHandler.execute}, spread over
 * dozens of interceptors, execution attributes, endpoint and auth-scheme resolution, marshalling
 * and metrics, while the HTTP exchange itself was a sixth. A PUT of bytes held in memory needs none
 * of it: one URL, five headers, a signature, the status and the ETag.
 *
 * <p>The request is what the SDK would send, less its bookkeeping headers: the object URL the SDK
 * itself computes ({@link S3Client#utilities()}, so path-style or virtual-hosted addressing and the
 * endpoint follow the client's settings), the key encoded as the SDK encodes it, {@code
 * Content-MD5}, {@code Content-Length}, the user metadata, and a SigV4 signature over all of them
 * with {@code UNSIGNED-PAYLOAD} (see {@link UnsignedPayloadAuthScheme}). An error response becomes
 * the {@link S3Exception} the SDK would have thrown (status, error code and message, headers), so
 * {@link S3Errors} classifies it the same way; a network failure becomes an {@link
 * SdkClientException}.
 *
 * <p>Not used for S3 Express directory buckets ({@code --x-s3}), which need session credentials,
 * nor when the SDK cannot tell the object URL; {@code -Dferry.s3.directPut=false} turns it off.
 */
final class DirectPut {
  private static final Pattern CODE = Pattern.compile("<Code>([^<]*)</Code>");
  private static final Pattern MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");
  private static final Pattern REQUEST_ID = Pattern.compile("<RequestId>([^<]*)</RequestId>");

  private final SdkHttpClient http;
  private final AwsCredentialsProvider credentials;
  private final String region;
  private final URI base;
  private final UnsignedPayloadAuthScheme auth = new UnsignedPayloadAuthScheme();

  private DirectPut(
      SdkHttpClient http, AwsCredentialsProvider credentials, String region, URI base) {
    this.http = http;
    this.credentials = credentials;
    this.region = region;
    this.base = base;
  }

  /**
   * A direct PUT for the bucket of {@code settings}, or empty when this bucket must go through the
   * SDK (a directory bucket, a URL the SDK cannot tell, or turned off).
   */
  static Optional<DirectPut> create(S3Client s3, SdkHttpClient http, S3Settings settings) {
    if (!Boolean.parseBoolean(System.getProperty("ferry.s3.directPut", "true"))
        || settings.bucket().endsWith("--x-s3")) {
      return Optional.empty();
    }
    try {
      // The URL of a one-letter key, less that letter: the object URL up to where a key starts.
      String probe =
          s3.utilities().getUrl(r -> r.bucket(settings.bucket()).key("k")).toExternalForm();
      if (!probe.endsWith("/k")) {
        return Optional.empty();
      }
      URI base = URI.create(probe.substring(0, probe.length() - 1));
      if (base.getRawQuery() != null || base.getHost() == null) {
        return Optional.empty();
      }
      return Optional.of(new DirectPut(http, settings.credentials(), settings.region().id(), base));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** What S3 answered to a successful PUT. */
  record Result(String eTag, ServerSideEncryption sse, String sseCustomerAlgorithm) {}

  /**
   * Stores the first {@code n} bytes of {@code buf} under {@code key}.
   *
   * @throws S3Exception when S3 refuses the request
   * @throws SdkClientException when the request or its response is lost on the way
   */
  Result put(String key, byte[] buf, int n, String contentMd5, Map<String, String> metadata) {
    SdkHttpFullRequest.Builder b =
        SdkHttpFullRequest.builder()
            .method(SdkHttpMethod.PUT)
            .protocol(base.getScheme())
            .host(base.getHost())
            .encodedPath(base.getRawPath() + SdkHttpUtils.urlEncodeIgnoreSlashes(key))
            .putHeader("Content-Type", "application/octet-stream")
            .putHeader("Content-Length", Integer.toString(n))
            .putHeader("Content-MD5", contentMd5)
            .putHeader("User-Agent", "ferry aws-sdk-java/direct-put");
    if (base.getPort() > 0) {
      b.port(base.getPort());
    }
    for (Map.Entry<String, String> m : metadata.entrySet()) {
      b.putHeader("x-amz-meta-" + m.getKey(), m.getValue());
    }
    ContentStreamProvider body = () -> new ByteArrayInputStream(buf, 0, n);
    AwsCredentialsIdentity identity = credentials.resolveCredentials();
    SignedRequest signed =
        auth.signer()
            .sign(
                r ->
                    r.identity(identity)
                        .request(b.build())
                        .payload(body)
                        .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "s3")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(AwsV4FamilyHttpSigner.DOUBLE_URL_ENCODE, false)
                        .putProperty(AwsV4FamilyHttpSigner.NORMALIZE_PATH, false)
                        .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                        .putProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, false));
    HttpExecuteResponse response;
    try {
      response =
          http.prepareRequest(
                  HttpExecuteRequest.builder()
                      .request(signed.request())
                      .contentStreamProvider(signed.payload().orElse(body))
                      .build())
              .call();
    } catch (IOException e) {
      throw SdkClientException.create("PUT " + key + " failed: " + e, e);
    }
    SdkHttpResponse head = response.httpResponse();
    byte[] answer;
    try (InputStream in = response.responseBody().orElse(null)) {
      answer = in == null ? new byte[0] : in.readAllBytes(); // read to the end: the connection
      // goes back to the pool only then
    } catch (IOException e) {
      throw SdkClientException.create("PUT " + key + ": the response was cut short: " + e, e);
    }
    if (!head.isSuccessful()) {
      throw error(head, new String(answer, StandardCharsets.UTF_8));
    }
    return new Result(
        head.firstMatchingHeader("ETag").orElse(null),
        head.firstMatchingHeader("x-amz-server-side-encryption")
            .map(ServerSideEncryption::fromValue)
            .orElse(null),
        head.firstMatchingHeader("x-amz-server-side-encryption-customer-algorithm").orElse(null));
  }

  /** The exception the SDK would throw for this error response. */
  static S3Exception error(SdkHttpResponse head, String xml) {
    String code = find(CODE, xml);
    String message = find(MESSAGE, xml);
    String requestId =
        Optional.ofNullable(find(REQUEST_ID, xml))
            .or(() -> head.firstMatchingHeader("x-amz-request-id"))
            .orElse(null);
    AwsErrorDetails details =
        AwsErrorDetails.builder()
            .errorCode(code)
            .errorMessage(message)
            .serviceName("S3")
            .sdkHttpResponse(head)
            .build();
    return (S3Exception)
        S3Exception.builder()
            .statusCode(head.statusCode())
            .requestId(requestId)
            .message(
                (message == null ? "HTTP " + head.statusCode() : message)
                    + " (Service: S3, Status Code: "
                    + head.statusCode()
                    + (requestId == null ? "" : ", Request ID: " + requestId)
                    + ")")
            .awsErrorDetails(details)
            .build();
  }

  private static String find(Pattern p, String xml) {
    Matcher m = p.matcher(xml);
    return m.find() ? unescape(m.group(1)) : null;
  }

  private static String unescape(String s) {
    return s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
  }
}
