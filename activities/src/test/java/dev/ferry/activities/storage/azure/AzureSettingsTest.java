package dev.ferry.activities.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.storage.Locations;
import dev.ferry.activities.storage.StorageException;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings from locations and the environment, and the error table, without a server. */
class AzureSettingsTest {
  private static final String KEY = Base64.getEncoder().encodeToString(new byte[64]);

  @Test
  void credentialsComeFromTheEnvironmentInOrder() {
    URI uri = URI.create("azure://photos/2024/raw/");
    AzureSettings s =
        AzureSettings.fromUri(
            uri,
            Map.of(
                "AZURE_STORAGE_CONNECTION_STRING",
                "AccountName=a;AccountKey=" + KEY,
                "AZURE_STORAGE_ACCOUNT",
                "acct",
                "AZURE_STORAGE_KEY",
                KEY));
    assertThat(s.container()).isEqualTo("photos");
    assertThat(s.prefix()).isEqualTo("2024/raw");
    assertThat(s.credentials()).isInstanceOf(AzureSettings.ConnectionString.class);

    s =
        AzureSettings.fromUri(
            uri, Map.of("AZURE_STORAGE_ACCOUNT", "acct", "AZURE_STORAGE_KEY", KEY));
    assertThat(s.credentials()).isEqualTo(new AzureSettings.SharedKey("acct", KEY));

    s =
        AzureSettings.fromUri(
            URI.create("azure://photos"),
            Map.of(
                "AZURE_STORAGE_ACCOUNT", "acct",
                "AZURE_STORAGE_SAS_TOKEN", "?sv=2024&sig=secret",
                "AZURE_STORAGE_ENDPOINT", "http://127.0.0.1:10000/acct",
                "FERRY_AZURE_TIER", "cold"));
    assertThat(s.prefix()).isEmpty();
    assertThat(s.credentials()).isEqualTo(new AzureSettings.Sas("acct", "sv=2024&sig=secret"));
    assertThat(s.endpoint()).isEqualTo("http://127.0.0.1:10000/acct");
    assertThat(s.tier()).isEqualTo("Cold");
    assertThat(s.toString()).doesNotContain("secret").contains("azure://photos", "Cold");
  }

  @Test
  void missingCredentialsNameTheVariablesToSet() {
    assertThatThrownBy(() -> AzureSettings.fromUri(URI.create("azure://c0n/p"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no Azure credentials")
        .hasMessageContaining("AZURE_STORAGE_CONNECTION_STRING")
        .hasMessageContaining("AZURE_STORAGE_ACCOUNT")
        .hasMessageContaining("AZURE_STORAGE_KEY")
        .hasMessageContaining("AZURE_STORAGE_SAS_TOKEN");
    assertThatThrownBy(
            () ->
                AzureSettings.fromUri(
                    URI.create("azure://c0n/p"), Map.of("AZURE_STORAGE_ACCOUNT", "acct")))
        .hasMessageContaining("AZURE_STORAGE_ACCOUNT is set but neither AZURE_STORAGE_KEY");
  }

  @Test
  void secretsStayOutOfTextAndBadKeysAreNamedNotShown() {
    var key = new AzureSettings.SharedKey("acct", KEY);
    assertThat(key.toString()).doesNotContain(KEY).contains("acct");
    var cs = new AzureSettings.ConnectionString("AccountName=a;AccountKey=" + KEY);
    assertThat(cs.toString()).doesNotContain(KEY);
    assertThatThrownBy(() -> new AzureSettings.SharedKey("acct", "not base64 !!"))
        .hasMessageContaining("AZURE_STORAGE_KEY is not a valid account key")
        .hasMessageNotContaining("not base64 !!");
    AzureSettings settings = new AzureSettings("c0n", "", cs, null, null);
    assertThat(AzureBlobStorage.fromSettings(settings).describe()).isEqualTo("azure://c0n");
    assertThatThrownBy(
            () ->
                AzureBlobStorage.fromSettings(
                    new AzureSettings(
                        "c0n", "", new AzureSettings.ConnectionString("junk" + KEY), null, null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AZURE_STORAGE_CONNECTION_STRING")
        .hasMessageNotContaining(KEY);
  }

  @Test
  void locationsAcceptAzureUrisWithAContainer() {
    assertThat(Locations.canonical("azure://photos")).isEqualTo("azure://photos");
    assertThat(Locations.canonical("azure://photos/2024/")).isEqualTo("azure://photos/2024");
    assertThat(Locations.canonical("azure://photos/my folder"))
        .isEqualTo("azure://photos/my%20folder");
    assertThat(
            AzureSettings.fromUri(
                    URI.create(Locations.canonical("azure://photos/my folder")),
                    Map.of("AZURE_STORAGE_ACCOUNT", "a", "AZURE_STORAGE_KEY", KEY))
                .prefix())
        .isEqualTo("my folder");
    assertThatThrownBy(() -> Locations.canonical("azure:///just-a-path"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names no container");
    assertThatThrownBy(() -> Locations.canonical("azure://Bad_Name/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a valid Azure container name");
  }

  @Test
  void serviceErrorsMapToKinds() {
    assertThat(AzureErrors.fromService("x", 429, null, null, null, null))
        .isInstanceOfSatisfying(
            StorageException.Throttled.class,
            t -> assertThat(t.retryAfter()).isEqualTo(Duration.ofSeconds(1)));
    assertThat(
            AzureErrors.fromService(
                "x", 503, "ServerBusy", "The server is busy.", Duration.ofSeconds(7), null))
        .isInstanceOfSatisfying(
            StorageException.Throttled.class,
            t -> {
              assertThat(t.retryAfter()).isEqualTo(Duration.ofSeconds(7));
              assertThat(t.getMessage()).contains("Azure 503 ServerBusy: The server is busy.");
            });
    assertThat(AzureErrors.fromService("x", 500, "OperationTimedOut", null, null, null))
        .isInstanceOf(StorageException.Throttled.class);
    assertThat(AzureErrors.fromService("x", 500, "InternalError", "oops\nRequestId:1", null, null))
        .isInstanceOf(StorageException.Transient.class)
        .hasMessage("x: Azure had a server error (Azure 500 InternalError: oops)");
    assertThat(AzureErrors.fromService("x", 400, "Md5Mismatch", null, null, null))
        .isInstanceOf(StorageException.Transient.class);
    assertThat(AzureErrors.fromService("x", 404, "BlobNotFound", null, null, null))
        .isInstanceOf(StorageException.NotFound.class)
        .hasMessage("x: no such blob (Azure 404 BlobNotFound)");
    assertThat(AzureErrors.fromService("x", 403, "AuthorizationFailure", null, null, null))
        .isInstanceOf(StorageException.AccessDenied.class)
        .hasMessageContaining("AZURE_STORAGE_SAS_TOKEN");
    for (String code :
        new String[] {
          "InvalidBlobOrBlock", "InvalidResourceName", "RequestBodyTooLarge", "BlobArchived"
        }) {
      assertThat(
              AzureErrors.fromService(
                  "x", code.equals("BlobArchived") ? 409 : 400, code, null, null, null))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining(code);
    }
  }

  @Test
  void blockIdsAreDeterministicAndOfOneWidth() {
    String base = AzureBlobStorage.blockIdBase("p/file.bin");
    byte[] md5 = new byte[16];
    byte[] other = new byte[16];
    other[15] = 1;
    assertThat(AzureBlobStorage.blockId(base, 0, md5))
        .isEqualTo(AzureBlobStorage.blockId(base, 0, md5));
    assertThat(AzureBlobStorage.blockId(base, 0, md5))
        .isNotEqualTo(AzureBlobStorage.blockId(base, 0, other))
        .hasSameSizeAs(AzureBlobStorage.blockId(base, 49_999, other));
    String decoded =
        new String(Base64.getDecoder().decode(AzureBlobStorage.blockId(base, 7, other)));
    assertThat(decoded).matches("ferry-[0-9a-f]{16}-000007-0{31}1");
    assertThat(decoded.length()).isLessThanOrEqualTo(64); // Azure's limit before encoding
    assertThat(AzureBlobStorage.partSize(8 << 20, 1L << 40))
        .isEqualTo((int) ((1L << 40) / 50_000 + 1));
    assertThat(AzureBlobStorage.partSize(8 << 20, 100)).isEqualTo(8 << 20);
  }

  @Test
  void mtimeReadsBothForms() {
    assertThat(Mtime.format(1_500_000_000_123L)).isEqualTo("2017-07-14T02:40:00.123000000Z");
    assertThat(Mtime.parse("2017-07-14T02:40:00.123456789Z")).isEqualTo(1_500_000_000_123L);
    assertThat(Mtime.parse("2017-07-14T04:40:00+02:00")).isEqualTo(1_500_000_000_000L);
    assertThat(Mtime.parse("1500000000.123")).isEqualTo(1_500_000_000_123L);
    assertThat(Mtime.parse("1500000000")).isEqualTo(1_500_000_000_000L);
    assertThat(Mtime.parse("yesterday")).isEqualTo(-1);
  }
}
