package dev.ferry.activities.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.azure.storage.blob.models.Block;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.specialized.BlockBlobClient;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageContract;
import dev.ferry.activities.testing.AzuriteServer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The conformance suite against Azurite: a fresh (not yet created) container per test. */
class AzureBlobStorageTest extends StorageContract {
  @Override
  protected AzureBlobStorage newStorage() {
    String container = "contract-" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    return AzureBlobStorage.fromSettings(AzuriteServer.get().settings(container, "ferry/root"));
  }

  @Test
  void largeFilesAreCommittedAsPartSizedBlocksWithDeterministicIds() throws Exception {
    try (AzureBlobStorage s = newStorage()) {
      byte[] data = bytes((int) (2 * PART + 7), 11);
      Storage.Written w = put(s, "blocks/file.bin", data, 1_600_000_000_000L);
      assertThat(w.verifiedBy()).isEqualTo("md5-content");
      assertThat(w.destHash())
          .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data)));
      BlockBlobClient blob =
          s.containerClient().getBlobClient("ferry/root/blocks/file.bin").getBlockBlobClient();
      String base = AzureBlobStorage.blockIdBase("ferry/root/blocks/file.bin");
      assertThat(blob.listBlocks(BlockListType.ALL).getCommittedBlocks())
          .extracting(Block::getName, Block::getSizeLong)
          .containsExactly(
              tuple(AzureBlobStorage.blockId(base, 0), PART),
              tuple(AzureBlobStorage.blockId(base, 1), PART),
              tuple(AzureBlobStorage.blockId(base, 2), 7L));
      assertThat(blob.getProperties().getContentType()).isEqualTo("application/octet-stream");
    }
  }
}
