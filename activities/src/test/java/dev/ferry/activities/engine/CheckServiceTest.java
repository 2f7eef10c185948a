package dev.ferry.activities.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.common.StorageSharedKeyCredential;
import dev.ferry.activities.catalog.Cutovers.Difference;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.storage.Capabilities;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.NativeHash;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.azure.AzureBlobStorage;
import dev.ferry.activities.storage.graph.GraphSettings;
import dev.ferry.activities.storage.graph.GraphStorage;
import dev.ferry.activities.storage.local.LocalStorage;
import dev.ferry.activities.storage.s3.S3Storage;
import dev.ferry.activities.testing.AzuriteServer;
import dev.ferry.activities.testing.GraphDriveFake;
import dev.ferry.activities.testing.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The gate's comparison by the destination's own hash: against real stores (s3proxy, Azurite,
 * GraphDriveFake), the destination is not read where it keeps a usable hash, is read where it does
 * not (local, a multipart ETag), and a changed object of the same size is found either way.
 */
class CheckServiceTest {
  private static final long MTIME = 1_600_000_000_000L;
  @TempDir Path dir;

  /** Counts the files opened on a real store (every other call goes straight to it). */
  static final class Counting implements Storage {
    final Storage s;
    final Set<String> opened = Collections.synchronizedSet(new HashSet<>());

    Counting(Storage s) {
      this.s = s;
    }

    @Override
    public Capabilities capabilities() {
      return s.capabilities();
    }

    @Override
    public String describe() {
      return s.describe();
    }

    @Override
    public void list(Consumer<Entry> sink, Consumer<ListingProblem> problems) {
      s.list(sink, problems);
    }

    @Override
    public void list(
        Consumer<Entry> sink,
        Consumer<ListingProblem> problems,
        BiConsumer<String, NativeHash> hashes) {
      s.list(sink, problems, hashes);
    }

    @Override
    public java.util.Optional<Entry> stat(String path) {
      return s.stat(path);
    }

    @Override
    public InputStream open(String path) {
      opened.add(path);
      return s.open(path);
    }

    @Override
    public Written write(String path, Entry source, InputStream data, WriteOptions options) {
      return s.write(path, source, data, options);
    }

    @Override
    public void mkdirs(String path) {
      s.mkdirs(path);
    }

    @Override
    public void delete(String path) {
      s.delete(path);
    }

    @Override
    public void close() {
      s.close();
    }
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  /** Writes the same files at the source (a local folder) and through {@code dest}. */
  private Counting sourceWith(Map<String, byte[]> files, Storage dest) throws Exception {
    Path src = Files.createDirectories(dir.resolve("src-" + UUID.randomUUID()));
    for (var f : files.entrySet()) {
      Path p = src.resolve(f.getKey());
      Files.createDirectories(p.getParent());
      Files.write(p, f.getValue());
      dest.write(
          f.getKey(),
          Entry.file(f.getKey(), f.getValue().length, MTIME),
          new ByteArrayInputStream(f.getValue()),
          new Storage.WriteOptions(true, 5L << 20));
    }
    return new Counting(new LocalStorage(src));
  }

  private static CheckService.Result compare(Storage a, Storage b, List<CheckService.Verified> v) {
    return new CheckService()
        .compare(a, b, Map.of(), Filters.of(RunOptions.defaults()), 0, () -> {}, v::add);
  }

  private static String md5(byte[] b) throws Exception {
    return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
  }

  @Test
  void s3SinglePartObjectsAreCheckedByTheirEtagWithoutReadingThem() throws Exception {
    S3ProxyServer server = S3ProxyServer.shared();
    String bucket = "check-" + UUID.randomUUID().toString().substring(0, 8);
    byte[] big = bytes(6 << 20, 3); // over the 5 MiB part: a multipart ETag ("...-2")
    Map<String, byte[]> files =
        Map.of("a.txt", bytes(1000, 1), "sub/b.bin", bytes(70_000, 2), "big.bin", big);
    try (Counting dst = new Counting(new S3Storage(server.settings(bucket, "root")));
        Counting src = sourceWith(files, dst)) {
      List<CheckService.Verified> verified = Collections.synchronizedList(new ArrayList<>());
      CheckService.Result r = compare(src, dst, verified);

      assertThat(r.differences()).isEmpty();
      assertThat(r.checkedBy())
          .containsExactlyInAnyOrderEntriesOf(Map.of("md5 (S3 ETag)", 2L, "sha256 read back", 1L));
      assertThat(r.checkedBySummary()).contains("2 by md5 (S3 ETag)", "1 by sha256 read back");
      // Only the multipart object was read back; every source file was read once.
      assertThat(dst.opened).containsExactly("big.bin");
      assertThat(src.opened).containsExactlyInAnyOrder("a.txt", "sub/b.bin", "big.bin");
      assertThat(verified)
          .extracting(CheckService.Verified::path, CheckService.Verified::algorithm)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("a.txt", "md5"),
              org.assertj.core.groups.Tuple.tuple("sub/b.bin", "md5"),
              org.assertj.core.groups.Tuple.tuple("big.bin", "sha256"));
      assertThat(verified.stream().filter(v -> v.path().equals("a.txt")).findFirst().get().hash())
          .isEqualTo(md5(files.get("a.txt")));

      // Another program replaces a.txt at the destination with other bytes of the same size: its
      // ETag no longer matches the source's MD5, which reading it back confirms.
      byte[] other = bytes(1000, 99);
      server
          .client()
          .putObject(r2 -> r2.bucket(bucket).key("root/a.txt"), RequestBody.fromBytes(other));
      dst.opened.clear();
      r = compare(src, dst, new ArrayList<>());
      assertThat(r.differences())
          .extracting(Difference::path, Difference::kind, Difference::checkedBy)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  "a.txt", "content", "md5 read back (S3 ETag differs)"));
      assertThat(r.differences().get(0).detail())
          .contains(md5(files.get("a.txt")), md5(other), "S3 ETag");
      assertThat(dst.opened).containsExactlyInAnyOrder("a.txt", "big.bin");
    }
  }

  @Test
  void azureContentMd5IsUsedAndAWrongOneIsNotBelieved() throws Exception {
    AzuriteServer az = AzuriteServer.get();
    String container = "check-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, byte[]> files = Map.of("x.txt", bytes(500, 5), "y/z.bin", bytes(9000, 6));
    try (Counting dst =
            new Counting(AzureBlobStorage.fromSettings(az.settings(container, "root")));
        Counting src = sourceWith(files, dst)) {
      CheckService.Result r = compare(src, dst, new ArrayList<>());
      assertThat(r.differences()).isEmpty();
      assertThat(r.checkedBy()).isEqualTo(Map.of("md5 (Azure Content-MD5)", 2L));
      assertThat(dst.opened).isEmpty();

      // The blob's Content-MD5 property set to another value, its bytes untouched: the bytes are
      // what counts, so it is no difference, and the report says the hash was not the content's.
      var blob =
          new BlobServiceClientBuilder()
              .endpoint(az.endpoint())
              .credential(new StorageSharedKeyCredential(AzuriteServer.ACCOUNT, AzuriteServer.KEY))
              .buildClient()
              .getBlobContainerClient(container)
              .getBlobClient("root/x.txt");
      blob.setHttpHeaders(
          new BlobHttpHeaders()
              .setContentType("application/octet-stream")
              .setContentMd5(MessageDigest.getInstance("MD5").digest(new byte[] {1})));
      r = compare(src, dst, new ArrayList<>());
      assertThat(r.differences()).isEmpty();
      assertThat(r.checkedBy())
          .containsEntry("md5 (Azure Content-MD5)", 1L)
          .containsEntry("md5 read back (the Azure Content-MD5 is not the md5 of the content)", 1L);
      assertThat(dst.opened).containsExactly("x.txt");
    }
  }

  @Test
  void graphQuickXorHashIsUsed() throws Exception {
    try (GraphDriveFake fake = GraphDriveFake.start()) {
      String user = "u" + UUID.randomUUID().toString().substring(0, 8) + "@contoso.example";
      fake.addUser(user);
      Map<String, byte[]> files = Map.of("doc.txt", bytes(3000, 7), "f/g.bin", bytes(40, 8));
      try (Counting dst =
              new Counting(
                  GraphStorage.fromSettings(
                      GraphSettings.fromUri(
                          URI.create("onedrive://" + user + "/ferry/root"), fake.env())));
          Counting src = sourceWith(files, dst)) {
        CheckService.Result r = compare(src, dst, new ArrayList<>());
        assertThat(r.differences()).isEmpty();
        assertThat(r.checkedBy()).isEqualTo(Map.of("quickxor (Graph quickXorHash)", 2L));
        assertThat(dst.opened).isEmpty();
      }
    }
  }

  @Test
  void localDestinationsAreReadBack() throws Exception {
    Map<String, byte[]> files = Map.of("p.txt", bytes(100, 9));
    Path d = Files.createDirectories(dir.resolve("dst"));
    try (Counting dst = new Counting(new LocalStorage(d));
        Counting src = sourceWith(files, dst)) {
      Files.write(d.resolve("p.txt"), bytes(100, 10)); // same size, other bytes
      CheckService.Result r = compare(src, dst, new ArrayList<>());
      assertThat(r.differences())
          .extracting(Difference::kind, Difference::checkedBy)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("content", "sha256 read back"));
      assertThat(r.checkedBy()).isEqualTo(Map.of("sha256 read back", 1L));
      assertThat(dst.opened).containsExactly("p.txt");
    }
  }
}
