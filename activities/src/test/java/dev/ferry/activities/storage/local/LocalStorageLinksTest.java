package dev.ferry.activities.storage.local;

import dev.ferry.activities.storage.LinkContract;
import dev.ferry.activities.storage.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class LocalStorageLinksTest extends LinkContract {
  @TempDir Path dir;
  private int n;

  @Override
  protected Storage storageOver(Path root) {
    return new LocalStorage(root);
  }

  @Override
  protected Path newDir() throws IOException {
    return Files.createDirectories(dir.resolve("t" + n++));
  }
}
