package dev.ferry.activities.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.azure.storage.blob.models.Block;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.specialized.BlockBlobClient;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageContract;
import dev.ferry.activities.storage.StorageException;
import dev.ferry.activities.testing.AzuriteServer;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
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
              tuple(AzureBlobStorage.blockId(base, 0, md5(data, 0, PART)), PART),
              tuple(AzureBlobStorage.blockId(base, 1, md5(data, PART, PART)), PART),
              tuple(AzureBlobStorage.blockId(base, 2, md5(data, 2 * PART, 7)), 7L));
      assertThat(blob.getProperties().getContentType()).isEqualTo("application/octet-stream");
    }
  }

  /** A source that fails like a dropped network share after {@code limit} bytes. */
  private static InputStream failingAfter(byte[] data, int limit) {
    return new FilterInputStream(new ByteArrayInputStream(data)) {
      private int pos;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (pos >= limit) {
          throw new IOException("source went away");
        }
        int n = super.read(b, off, Math.min(len, limit - pos));
        pos += Math.max(n, 0);
        return n;
      }
    };
  }

  private static final long BLOCK = 256 * 1024;

  private static Storage.Written write(
      AzureBlobStorage s,
      String path,
      InputStream in,
      long size,
      Storage.UploadState state,
      AtomicLong sent) {
    return s.write(
        path,
        Entry.file(path, size, 1_600_000_000_000L),
        in,
        new Storage.WriteOptions(true, BLOCK, state, sent::addAndGet));
  }

  @Test
  void aResumedUploadSendsOnlyTheBlocksThatAreNotStagedYet() throws Exception {
    try (AzureBlobStorage s = newStorage()) {
      byte[] data = bytes((int) (4 * BLOCK + 1000), 21); // five blocks
      Storage.UploadState state = Storage.UploadState.inMemory();
      AtomicLong sent = new AtomicLong();
      // the source fails in the third block: blocks 0 and 1 are staged, the state kept
      assertThatThrownBy(
              () ->
                  write(
                      s,
                      "r/big.bin",
                      failingAfter(data, (int) (2 * BLOCK + 100)),
                      data.length,
                      state,
                      sent))
          .isInstanceOf(StorageException.Transient.class);
      assertThat(sent.get()).isEqualTo(2 * BLOCK);
      assertThat(state.load())
          .contains("azure-blocks size=" + data.length + " mtime=1600000000000 part=" + BLOCK);
      assertThat(s.stat("r/big.bin")).isEmpty(); // nothing committed, nothing visible

      sent.set(0);
      Storage.Written w =
          write(s, "r/big.bin", new ByteArrayInputStream(data), data.length, state, sent);
      assertThat(w.verifiedBy()).isEqualTo("md5-content");
      assertThat(sent.get()).isEqualTo(data.length - 2 * BLOCK); // blocks 0 and 1 were reused
      assertThat(state.load()).isEmpty();
      try (InputStream in = s.open("r/big.bin")) {
        assertThat(in.readAllBytes()).isEqualTo(data);
      }
    }
  }

  @Test
  void aStagedBlockWhoseBytesChangedIsSentAgain() throws Exception {
    try (AzureBlobStorage s = newStorage()) {
      byte[] data = bytes((int) (3 * BLOCK), 22);
      Storage.UploadState state = Storage.UploadState.inMemory();
      AtomicLong sent = new AtomicLong();
      assertThatThrownBy(
              () ->
                  write(
                      s,
                      "r/changed.bin",
                      failingAfter(data, (int) (2 * BLOCK + 1)),
                      data.length,
                      state,
                      sent))
          .isInstanceOf(StorageException.Transient.class);
      // same size and time, but block 1 now holds other bytes
      byte[] now = data.clone();
      now[(int) BLOCK + 5] ^= 1;
      sent.set(0);
      write(s, "r/changed.bin", new ByteArrayInputStream(now), now.length, state, sent);
      assertThat(sent.get()).isEqualTo(2 * BLOCK); // block 0 reused; blocks 1 and 2 sent
      try (InputStream in = s.open("r/changed.bin")) {
        assertThat(in.readAllBytes()).isEqualTo(now);
      }
    }
  }

  @Test
  void withoutKeptStateEveryBlockIsSentAndAPutBlobReportsItsBytes() throws Exception {
    try (AzureBlobStorage s = newStorage()) {
      byte[] data = bytes((int) (2 * BLOCK + 3), 23);
      AtomicLong sent = new AtomicLong();
      write(
          s,
          "r/plain.bin",
          new ByteArrayInputStream(data),
          data.length,
          Storage.UploadState.NONE,
          sent);
      assertThat(sent.get()).isEqualTo(data.length);
      byte[] small = bytes(1000, 24);
      sent.set(0);
      write(
          s,
          "r/small.bin",
          new ByteArrayInputStream(small),
          small.length,
          Storage.UploadState.NONE,
          sent);
      assertThat(sent.get()).isEqualTo(1000);
    }
  }

  private static byte[] md5(byte[] data, long from, long n) throws Exception {
    MessageDigest d = MessageDigest.getInstance("MD5");
    d.update(data, (int) from, (int) n);
    return d.digest();
  }
}
