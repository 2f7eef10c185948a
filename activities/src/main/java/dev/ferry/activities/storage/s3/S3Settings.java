package dev.ferry.activities.storage.s3;

import dev.ferry.activities.storage.SafePath;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Where an {@link S3Storage} lives and how to reach it.
 *
 * @param bucket the bucket name
 * @param prefix the key prefix that acts as the root, without leading or trailing {@code /}; empty
 *     for the whole bucket
 * @param endpoint the S3 API endpoint (for S3-compatible servers), or null for AWS's own
 * @param region the signing region (also where a missing bucket is created)
 * @param credentials where the access keys come from; never printed
 * @param pathStyle address buckets as {@code endpoint/bucket/key} instead of {@code
 *     bucket.endpoint/key} (what most S3-compatible servers need)
 */
public record S3Settings(
    String bucket,
    String prefix,
    URI endpoint,
    Region region,
    AwsCredentialsProvider credentials,
    boolean pathStyle) {

  /** What a valid location looks like, for error messages. */
  static final String EXAMPLE = "s3://bucket or s3://bucket/some/prefix";

  static final String DEFAULT_REGION = "us-east-1";

  public S3Settings {
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(credentials, "credentials");
    prefix = prefix == null ? "" : prefix.replaceAll("^/+", "").replaceAll("/+$", "");
  }

  /**
   * Reads a location such as {@code s3://bucket/some/prefix}. The region comes from {@code
   * AWS_REGION} (default {@code us-east-1}); the endpoint from {@code endpointOverride}, else
   * {@code AWS_ENDPOINT_URL}, else AWS's own, and a custom endpoint turns on path-style addressing;
   * credentials come from the SDK's default chain (environment, profile, container or instance
   * role).
   *
   * @param endpointOverride an {@code http(s)://host[:port]} endpoint, or null / blank for none
   * @throws IllegalArgumentException when the URI is not an {@code s3://} location with a bucket,
   *     or the endpoint is not an http(s) URL; the message shows what a valid one looks like
   */
  public static S3Settings fromUri(URI uri, String endpointOverride) {
    return fromUri(uri, endpointOverride, System::getenv);
  }

  /** As {@link #fromUri(URI, String)}, reading environment variables through {@code env}. */
  public static S3Settings fromUri(URI uri, String endpointOverride, Function<String, String> env) {
    if (uri == null) {
      throw new IllegalArgumentException("no S3 location given; expected " + EXAMPLE);
    }
    if (!"s3".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException(
          "'" + uri + "' is not an S3 location: it must start with s3://, e.g. " + EXAMPLE);
    }
    if (uri.isOpaque()) {
      throw new IllegalArgumentException(
          "'" + uri + "' has no bucket: write two slashes after s3:, e.g. " + EXAMPLE);
    }
    String bucket = uri.getRawAuthority();
    if (bucket == null || bucket.isEmpty()) {
      throw new IllegalArgumentException("'" + uri + "' has no bucket; expected " + EXAMPLE);
    }
    if (!bucket.matches("[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]")) {
      throw new IllegalArgumentException(
          "'"
              + uri
              + "' does not name a valid bucket ('"
              + bucket
              + "'): bucket names are 3-63 characters of a-z, 0-9, '.' and '-', e.g. "
              + EXAMPLE);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "'"
              + uri
              + "' has a query or fragment, which S3 locations do not take; expected "
              + EXAMPLE);
    }
    String prefix = uri.getPath() == null ? "" : uri.getPath();
    prefix = prefix.replaceAll("^/+", "").replaceAll("/+$", "");
    if (!prefix.isEmpty()) {
      SafePath.problem(prefix)
          .ifPresent(
              p -> {
                throw new IllegalArgumentException(
                    "'" + uri + "' has an unusable prefix (" + p + "); expected " + EXAMPLE);
              });
    }
    String regionName = env.apply("AWS_REGION");
    Region region =
        Region.of(regionName == null || regionName.isBlank() ? DEFAULT_REGION : regionName.trim());
    String endpointText =
        endpointOverride != null && !endpointOverride.isBlank()
            ? endpointOverride.trim()
            : env.apply("AWS_ENDPOINT_URL");
    URI endpoint = null;
    if (endpointText != null && !endpointText.isBlank()) {
      endpoint = endpoint(endpointText.trim());
    }
    return new S3Settings(bucket, prefix, endpoint, region, credentials(env), endpoint != null);
  }

  /**
   * Keys given in the environment Ferry was handed (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
   * AWS_SESSION_TOKEN) win; otherwise the SDK's default chain (profiles, container and instance
   * roles).
   */
  private static AwsCredentialsProvider credentials(Function<String, String> env) {
    String id = env.apply("AWS_ACCESS_KEY_ID");
    String secret = env.apply("AWS_SECRET_ACCESS_KEY");
    if (id != null && !id.isBlank() && secret != null && !secret.isBlank()) {
      String token = env.apply("AWS_SESSION_TOKEN");
      return StaticCredentialsProvider.create(
          token == null || token.isBlank()
              ? AwsBasicCredentials.create(id, secret)
              : AwsSessionCredentials.create(id, secret, token));
    }
    return DefaultCredentialsProvider.builder().build();
  }

  private static URI endpoint(String text) {
    try {
      URI e = new URI(text);
      if (("http".equalsIgnoreCase(e.getScheme()) || "https".equalsIgnoreCase(e.getScheme()))
          && e.getHost() != null) {
        return e;
      }
    } catch (URISyntaxException ignored) {
      // reported below
    }
    throw new IllegalArgumentException(
        "'"
            + text
            + "' is not a usable S3 endpoint: expected http(s)://host[:port], e.g."
            + " http://127.0.0.1:9000");
  }

  /** The location as a URI without secrets: {@code s3://bucket/prefix}. */
  public String location() {
    return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
  }

  /** The full object key of a path relative to the root. */
  String key(String path) {
    return SafePath.join(prefix, path);
  }

  /** Describes the settings without credentials. */
  @Override
  public String toString() {
    return "S3Settings["
        + location()
        + ", endpoint="
        + (endpoint == null ? "AWS" : endpoint)
        + ", region="
        + region
        + ", pathStyle="
        + pathStyle
        + "]";
  }
}
