package dev.ferry.api.cli;

import static dev.ferry.api.cli.FerryHarness.MTIME;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Locations;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.testing.AzuriteServer;
import dev.ferry.activities.testing.GraphDriveFake;
import dev.ferry.activities.testing.S3ProxyServer;
import dev.ferry.activities.testing.SftpTestServer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every connector to every other, with the real command and real servers: local, S3 (s3proxy),
 * Azure Blob (Azurite), SFTP (MINA SSHD), OneDrive and SharePoint (the Graph SDK against the Graph
 * drive fake). Each source is seeded once from a local tree; each of the 30 ordered pairs then
 * migrates it and the destination is read back through its own connector and compared byte for byte
 * with the tree.
 */
class EveryPairTest {
  static final List<String> KINDS =
      List.of("local", "s3", "azure", "sftp", "onedrive", "sharepoint");

  @org.junit.jupiter.api.io.TempDir static Path dir;
  static FerryHarness ferry;
  static S3ProxyServer s3;
  static SftpTestServer sftp;
  static GraphDriveFake graph;
  static String bucket;
  static String container;
  static String user;
  static Map<String, String> tree = new TreeMap<>(); // path -> SHA-256

  @BeforeAll
  static void up() throws Exception {
    ferry = new FerryHarness(dir.resolve("home"));
    s3 = S3ProxyServer.shared();
    ferry.env.put("AWS_ACCESS_KEY_ID", s3.accessKey());
    ferry.env.put("AWS_SECRET_ACCESS_KEY", s3.secretKey());
    ferry.env.putAll(AzuriteServer.get().env());
    sftp = SftpTestServer.start(dir.resolve("sftp"));
    ferry.env.putAll(sftp.keyEnv());
    graph = GraphDriveFake.start();
    ferry.env.putAll(graph.env());
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    bucket = "pairs" + id;
    s3.createBucket(bucket);
    container = "pairs" + id;
    user = "pairs" + id + "@contoso.example";
    graph.addUser(user);
    graph.addSite("contoso.sharepoint.com", "pairs", "Documents");

    Path src = dir.resolve("tree");
    put(src, "top.txt", "every pair".getBytes(StandardCharsets.UTF_8));
    put(src, "empty.dat", new byte[0]);
    put(src, "a/b/deep.bin", FerryHarness.random(70_000, 1));
    put(src, "ünïcødé/日本語 ファイル.txt", FerryHarness.random(333, 3));
    put(src, "big/two-parts.bin", FerryHarness.random((5 << 20) + 4321, 4)); // two 5 MiB parts
    for (String kind : KINDS) {
      migrate(src.toString(), location(kind, "seed"));
    }
  }

  private static void put(Path root, String path, byte[] data) throws Exception {
    FerryHarness.write(root.resolve(path), data, MTIME);
    tree.put(path, java.util.HexFormat.of().formatHex(sha256(data)));
  }

  @AfterAll
  static void down() throws Exception {
    sftp.close();
    graph.close();
    ferry.close();
  }

  static String location(String kind, String name) {
    return switch (kind) {
      case "local" -> dir.resolve("local").resolve(name).toString();
      case "s3" -> "s3://" + bucket + "/" + name;
      case "azure" -> "azure://" + container + "/" + name;
      case "sftp" -> sftp.uri("/" + name).toString();
      case "onedrive" -> "onedrive://" + user + "/" + name;
      case "sharepoint" -> "sharepoint://contoso.sharepoint.com/pairs/Documents/" + name;
      default -> throw new IllegalArgumentException(kind);
    };
  }

  static void migrate(String from, String to) {
    var r =
        ferry.ferry(
            "migrate", from, to, "--chunk-size", "5", "--s3-endpoint", s3.endpoint().toString());
    assertThat(r.code()).as(from + " -> " + to + ": " + r.all()).isZero();
    assertThat(r.out()).as(from + " -> " + to).contains("0 failed");
  }

  static Stream<Arguments> pairs() {
    List<Arguments> out = new ArrayList<>();
    for (String a : KINDS) {
      for (String b : KINDS) {
        if (!a.equals(b)) {
          out.add(Arguments.of(a, b));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("pairs")
  void theTreeArrivesByteForByte(String from, String to) throws Exception {
    String dest = location(to, "from-" + from);
    migrate(location(from, "seed"), dest);
    assertThat(read(dest)).as(from + " -> " + to).isEqualTo(tree);
  }

  /** Every file at {@code location}, read through its connector: path → bytes. */
  private static Map<String, String> read(String location) throws Exception {
    Map<String, String> out = new TreeMap<>();
    RunOptions options =
        new RunOptions(
            List.of(),
            List.of(),
            -1,
            -1,
            4,
            5,
            0,
            true,
            false,
            false,
            s3.endpoint().toString(),
            null);
    try (Storage s = new Locations(ferry.env).open(location, options)) {
      List<Entry> files = new ArrayList<>();
      s.list(
          e -> {
            if (!e.folder()) {
              files.add(e);
            }
          },
          p -> {
            throw new AssertionError("cannot list " + p.path() + ": " + p.reason());
          });
      for (Entry e : files) {
        try (InputStream in = s.open(e.path())) {
          out.put(e.path(), java.util.HexFormat.of().formatHex(sha256(in.readAllBytes())));
        }
      }
    }
    return out;
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return java.security.MessageDigest.getInstance("SHA-256").digest(b);
  }
}
