package dev.ferry.activities.storage.local;

import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class LocalStorageTest extends StorageContract {
  @TempDir Path dir;
  private int n;

  @Override
  protected Storage newStorage() {
    return new LocalStorage(dir.resolve("root" + n++));
  }
}
