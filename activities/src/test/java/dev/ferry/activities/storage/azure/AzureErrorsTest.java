package dev.ferry.activities.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.blob.models.BlobProperties;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.activities.testing.AzuriteServer;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What a user sees when things go wrong against Azurite, and the features around the edges. */
class AzureErrorsTest {
  private static final long PART = 5L << 20;
  private static final Storage.WriteOptions VERIFY = new Storage.WriteOptions(true, PART);

  private static String freshContainer() {
    return "errors-" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
  }

  private static AzureBlobStorage storage(AzureSettings settings) {
    return AzureBlobStorage.fromSettings(settings);
  }

  private static Storage.Written put(Storage s, String path, byte[] data, long mtime) {
    return s.write(
        path, Entry.file(path, data.length, mtime), new ByteArrayInputStream(data), VERIFY);
  }

  private static byte[] bytes(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }

  @Test
  void aWrongAccountKeyIsAccessDeniedAndSaysWhatToSet() {
    String otherKey = Base64.getEncoder().encodeToString(bytes(64));
    AzureSettings wrong =
        new AzureSettings(
            freshContainer(),
            "",
            new AzureSettings.SharedKey(AzuriteServer.ACCOUNT, otherKey),
            AzuriteServer.get().endpoint(),
            null);
    try (AzureBlobStorage s = storage(wrong)) {
      assertThatThrownBy(() -> s.list(e -> {}, p -> {}))
          .isInstanceOf(StorageException.AccessDenied.class)
          .hasMessageContaining("list azure://")
          .hasMessageContaining("Azure 403")
          .hasMessageContaining("AZURE_STORAGE_KEY")
          .hasMessageContaining("AZURE_STORAGE_CONNECTION_STRING")
          .hasMessageNotContaining(otherKey)
          .satisfies(e -> assertThat(((StorageException) e).retryable()).isFalse());
      assertThatThrownBy(() -> put(s, "a.txt", bytes(10), 0))
          .isInstanceOf(StorageException.AccessDenied.class)
          .hasMessageContaining("upload azure://");
      assertThat(s.describe()).doesNotContain(otherKey);
    }
  }

  @Test
  void aConnectionStringWhoseKeyIsNotBase64IsRefusedAtOnceWithoutQuotingIt() {
    String bad =
        "DefaultEndpointsProtocol=http;AccountName="
            + AzuriteServer.ACCOUNT
            + ";AccountKey=not*base64*secret;BlobEndpoint="
            + AzuriteServer.get().endpoint();
    AzureSettings settings =
        new AzureSettings(
            freshContainer(), "", new AzureSettings.ConnectionString(bad), null, null);
    assertThatThrownBy(() -> AzureBlobStorage.fromSettings(settings))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AccountKey in AZURE_STORAGE_CONNECTION_STRING is not a valid")
        .hasMessageContaining("copy the connection string again")
        .message()
        .doesNotContain("not*base64*secret");
  }

  @Test
  void aMissingBlobIsNotFound() {
    try (AzureBlobStorage s = storage(AzuriteServer.get().settings(freshContainer(), "p"))) {
      // No container yet: the service says ContainerNotFound.
      assertThatThrownBy(() -> s.open("missing.txt"))
          .isInstanceOf(StorageException.NotFound.class)
          .hasMessageContaining("ContainerNotFound");
      put(s, "present.txt", bytes(3), 0);
      assertThatThrownBy(() -> s.open("missing.txt"))
          .isInstanceOf(StorageException.NotFound.class)
          .hasMessageContaining("open azure://")
          .hasMessageContaining("missing.txt")
          .hasMessageContaining("404");
      assertThat(s.stat("missing.txt")).isEmpty();
    }
  }

  @Test
  void blobNamesOverTheLimitAreRefusedBeforeAnyRequest() {
    try (AzureBlobStorage noPrefix = storage(AzuriteServer.get().settings(freshContainer(), ""));
        AzureBlobStorage withPrefix =
            storage(AzuriteServer.get().settings(freshContainer(), "some/prefix"))) {
      assertThat(noPrefix.capabilities().maxPathBytes()).isEqualTo(1024);
      assertThat(withPrefix.capabilities().maxPathBytes())
          .isEqualTo(1024 - "some/prefix/".length());

      String longest = "d/".repeat(100) + "x".repeat(1024 - 200);
      assertThat(longest).hasSize(1024);
      put(noPrefix, longest, bytes(5), 0);
      assertThat(noPrefix.stat(longest)).isPresent();

      String tooLong = longest + "y";
      assertThatThrownBy(() -> put(noPrefix, tooLong, bytes(5), 0))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("refused path")
          .hasMessageContaining("1025 characters long; Azure allows at most 1024");
      // The prefix counts: the same 1,024-character path does not fit under one.
      assertThatThrownBy(() -> put(withPrefix, longest, bytes(5), 0))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("Azure allows at most 1024");
      assertThatThrownBy(() -> put(noPrefix, "a/".repeat(254) + "f", bytes(1), 0))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("255 path segments");
      assertThatThrownBy(() -> put(noPrefix, "dir./file", bytes(1), 0))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("'dir.' ends with '.'");
    }
  }

  @Test
  void theAccessTierIsAppliedToSmallAndBlockUploads() {
    AzureSettings cool = AzuriteServer.get().settings(freshContainer(), "t").withTier("cool");
    assertThat(cool.tier()).isEqualTo("Cool");
    try (AzureBlobStorage s = storage(cool)) {
      put(s, "small.bin", bytes(100), 0);
      put(s, "large.bin", bytes((int) (PART + 10)), 0);
      for (String path : List.of("small.bin", "large.bin")) {
        BlobProperties p = s.containerClient().getBlobClient("t/" + path).getProperties();
        assertThat(p.getAccessTier()).isEqualTo(AccessTier.COOL);
        assertThat(p.isAccessTierInferred()).isNotEqualTo(Boolean.TRUE);
      }
    }
    try (AzureBlobStorage s = storage(cool.withTier("Archive"))) {
      put(s, "cold-storage.bin", bytes(10), 0);
      assertThat(s.stat("cold-storage.bin")).isPresent();
      assertThatThrownBy(() -> s.open("cold-storage.bin"))
          .isInstanceOf(StorageException.Permanent.class)
          .hasMessageContaining("Archive tier")
          .hasMessageContaining("rehydrate it to Hot, Cool or Cold");
    }
    assertThatThrownBy(() -> cool.withTier("Lukewarm"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FERRY_AZURE_TIER")
        .hasMessageContaining("Hot, Cool, Cold, Archive");
  }

  @Test
  void modificationTimesRoundTripThroughMetadata() {
    long mtime = 1_500_000_000_123L;
    try (AzureBlobStorage s = storage(AzuriteServer.get().settings(freshContainer(), "m"))) {
      put(s, "small.txt", bytes(10), mtime);
      put(s, "large.bin", bytes((int) (PART + 1)), mtime);
      for (String path : List.of("small.txt", "large.bin")) {
        assertThat(s.stat(path)).get().extracting(Entry::mtimeMillis).isEqualTo(mtime);
        BlobClient raw = s.containerClient().getBlobClient("m/" + path);
        assertThat(raw.getProperties().getMetadata())
            .containsEntry("mtime", "2017-07-14T02:40:00.123000000Z");
      }
      List<Entry> listed = new ArrayList<>();
      s.list(listed::add, p -> {});
      assertThat(listed).extracting(Entry::mtimeMillis).containsOnly(mtime);

      // Written by another tool: epoch seconds (rclone's S3 form), or no mtime at all.
      BlobClient other = s.containerClient().getBlobClient("m/by-other-tool.txt");
      other.upload(com.azure.core.util.BinaryData.fromString("x"));
      other.setMetadata(Map.of("mtime", "1400000000.5"));
      assertThat(s.stat("by-other-tool.txt"))
          .get()
          .extracting(Entry::mtimeMillis)
          .isEqualTo(1_400_000_000_500L);
      other.setMetadata(Map.of());
      long lastModified = other.getProperties().getLastModified().toInstant().toEpochMilli();
      assertThat(s.stat("by-other-tool.txt"))
          .get()
          .extracting(Entry::mtimeMillis)
          .isEqualTo(lastModified);
    }
  }

  @Test
  void anUnreachableEndpointIsTransientAndFailsFastWithoutSdkRetries() throws Exception {
    int closedPort;
    try (ServerSocket ss = new ServerSocket(0)) {
      closedPort = ss.getLocalPort();
    }
    AzureSettings nowhere =
        new AzureSettings(
            "nowhere",
            "",
            new AzureSettings.SharedKey(AzuriteServer.ACCOUNT, AzuriteServer.KEY),
            "http://127.0.0.1:" + closedPort + "/" + AzuriteServer.ACCOUNT,
            null);
    long start = System.nanoTime();
    try (AzureBlobStorage s = storage(nowhere)) {
      assertThatThrownBy(() -> s.stat("x"))
          .isInstanceOf(StorageException.Transient.class)
          .hasMessageContaining("could not reach Azure");
    }
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
  }

  @Test
  void aSourceThatChangesSizeFailsBeforeAnythingIsCommitted() {
    try (AzureBlobStorage s = storage(AzuriteServer.get().settings(freshContainer(), ""))) {
      byte[] data = bytes((int) (PART + 100));
      // Declared larger than it is, in block mode and in single-upload mode.
      assertThatThrownBy(
              () ->
                  s.write(
                      "grew.bin",
                      Entry.file("grew.bin", data.length + 1, 0),
                      new ByteArrayInputStream(data),
                      VERIFY))
          .isInstanceOf(StorageException.Transient.class)
          .hasMessageContaining("source changed");
      assertThatThrownBy(
              () ->
                  s.write(
                      "shrank.bin",
                      Entry.file("shrank.bin", 5, 0),
                      new ByteArrayInputStream(data),
                      VERIFY))
          .isInstanceOf(StorageException.Transient.class)
          .hasMessageContaining("source changed");
      assertThat(s.stat("grew.bin")).isEmpty();
      assertThat(s.stat("shrank.bin")).isEmpty();
    }
  }
}
