package dev.ferry.activities.catalog;

import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.s3.S3Settings;
import dev.ferry.activities.storage.s3.S3Storage;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * {@code s3}: a bucket (and key prefix) of Amazon S3 or an S3-compatible server, with explicit
 * access keys from the connection's secret — never the worker's environment or instance role.
 */
public final class S3ConnectionKind implements ConnectionKind {
  private static final String BUCKET = "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]";

  @Override
  public String name() {
    return "s3";
  }

  @Override
  public String description() {
    return "an S3 bucket (settings: bucket, prefix, endpoint, region; secret: accessKeyId,"
        + " secretAccessKey, sessionToken)";
  }

  @Override
  public List<Field> settings() {
    return List.of(
        new Field("bucket", true, "the bucket name"),
        new Field("prefix", false, "key prefix that acts as the root"),
        new Field(
            "endpoint",
            false,
            "http(s)://host[:port] of an S3-compatible server (path-style); absent: AWS"),
        new Field("region", false, "signing region, default us-east-1"));
  }

  @Override
  public java.util.Set<String> tunables() {
    return java.util.Set.of("region");
  }

  @Override
  public List<Field> secret() {
    return List.of(
        new Field("accessKeyId", true, "the access key id"),
        new Field("secretAccessKey", true, "the secret access key"),
        new Field("sessionToken", false, "a session token for temporary credentials"));
  }

  @Override
  public Map<String, String> validate(Map<String, String> settings, Map<String, String> secret) {
    Map<String, String> problems = new TreeMap<>();
    String bucket = settings.get("bucket");
    if (bucket != null && !bucket.matches(BUCKET)) {
      problems.put(
          "settings.bucket",
          "must be a bucket name: 3-63 characters of a-z, 0-9, '.' and '-' (got '" + bucket + "')");
    }
    String prefix = ConnectionLocation.normalize(settings.get("prefix"));
    if (!prefix.isEmpty()) {
      SafePath.problem(prefix).ifPresent(p -> problems.put("settings.prefix", p));
    }
    String endpoint = settings.get("endpoint");
    if (endpoint != null && endpoint(endpoint) == null) {
      problems.put(
          "settings.endpoint",
          "must be an http(s)://host[:port] URL such as http://127.0.0.1:9000 (got '"
              + endpoint
              + "')");
    }
    String region = settings.get("region");
    if (region != null && !region.matches("[a-z]{2}(-[a-z]+)+-\\d+|[a-z0-9-]{2,40}")) {
      problems.put(
          "settings.region", "must be a region such as eu-central-1 (got '" + region + "')");
    }
    return problems;
  }

  private static URI endpoint(String text) {
    try {
      URI u = new URI(text.trim());
      if (("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))
          && u.getHost() != null) {
        return u;
      }
    } catch (URISyntaxException e) {
      // not a URL
    }
    return null;
  }

  @Override
  public Storage open(Map<String, String> settings, Map<String, String> secret, String path) {
    String region = settings.getOrDefault("region", "us-east-1");
    URI endpoint = settings.get("endpoint") == null ? null : endpoint(settings.get("endpoint"));
    String token = secret.get("sessionToken");
    AwsCredentials creds =
        token == null || token.isBlank()
            ? AwsBasicCredentials.create(secret.get("accessKeyId"), secret.get("secretAccessKey"))
            : AwsSessionCredentials.create(
                secret.get("accessKeyId"), secret.get("secretAccessKey"), token);
    String prefix = SafePath.join(ConnectionLocation.normalize(settings.get("prefix")), path);
    return new S3Storage(
        new S3Settings(
            settings.get("bucket"),
            prefix,
            endpoint,
            Region.of(region),
            StaticCredentialsProvider.create(creds),
            endpoint != null));
  }
}
