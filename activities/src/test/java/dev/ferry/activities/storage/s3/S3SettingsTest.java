package dev.ferry.activities.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

class S3SettingsTest {
  private static S3Settings parse(String uri, String override, Map<String, String> env) {
    return S3Settings.fromUri(URI.create(uri), override, env::get);
  }

  @Test
  void readsBucketAndPrefix() {
    S3Settings s = parse("s3://my-bucket/some/prefix/", null, Map.of());
    assertThat(s.bucket()).isEqualTo("my-bucket");
    assertThat(s.prefix()).isEqualTo("some/prefix");
    assertThat(s.location()).isEqualTo("s3://my-bucket/some/prefix");
    assertThat(s.region()).isEqualTo(Region.US_EAST_1);
    assertThat(s.endpoint()).isNull();
    assertThat(s.pathStyle()).isFalse();
    assertThat(s.credentials()).isNotNull();

    S3Settings whole = parse("s3://my.bucket", null, Map.of());
    assertThat(whole.bucket()).isEqualTo("my.bucket");
    assertThat(whole.prefix()).isEmpty();
    assertThat(whole.location()).isEqualTo("s3://my.bucket");
  }

  @Test
  void decodesEscapedPrefixes() {
    assertThat(parse("s3://bkt/with%20space/%C3%BC", null, Map.of()).prefix())
        .isEqualTo("with space/ü");
  }

  @Test
  void regionAndEndpointComeFromTheEnvironmentUnlessOverridden() {
    Map<String, String> env =
        Map.of("AWS_REGION", "eu-west-3", "AWS_ENDPOINT_URL", "http://127.0.0.1:9000");
    S3Settings s = parse("s3://bkt/p", null, env);
    assertThat(s.region()).isEqualTo(Region.EU_WEST_3);
    assertThat(s.endpoint()).isEqualTo(URI.create("http://127.0.0.1:9000"));
    assertThat(s.pathStyle()).isTrue();

    S3Settings o = parse("s3://bkt/p", "https://minio.example:9443", env);
    assertThat(o.endpoint()).isEqualTo(URI.create("https://minio.example:9443"));
    assertThat(o.pathStyle()).isTrue();

    assertThat(parse("s3://bkt/p", " ", Map.of()).endpoint()).isNull();
  }

  @Test
  void badLocationsSayWhatAValidOneLooksLike() {
    for (String bad :
        new String[] {
          "http://bucket/prefix", "s3:bucket/prefix", "s3:///prefix", "s3://user@bucket/x",
          "s3://bucket:99/x", "s3://bkt/x?versionId=1", "s3://bkt/a/../c", "s3://b_/"
        }) {
      assertThatThrownBy(() -> parse(bad, null, Map.of()))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("s3://bucket");
    }
    assertThatThrownBy(() -> S3Settings.fromUri(null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("s3://bucket");
  }

  @Test
  void badEndpointsAreRefused() {
    assertThatThrownBy(() -> parse("s3://bkt/p", "127.0.0.1:9000", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http(s)://host[:port]");
  }

  @Test
  void toStringHasNoSecrets() {
    S3Settings s = parse("s3://bkt/p", "http://127.0.0.1:9000", Map.of());
    assertThat(s.toString())
        .isEqualTo(
            "S3Settings[s3://bkt/p, endpoint=http://127.0.0.1:9000, region=us-east-1, pathStyle=true]");
  }
}
