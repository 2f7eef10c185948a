package dev.ferry.api.server;

import dev.ferry.activities.catalog.ConnectionKind;
import dev.ferry.activities.catalog.LocalConnectionKind;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A test connection kind with a secret: a local folder that opens only with the right password. A
 * run that completes over it proves the activity received the decrypted secret; the password is
 * random per test JVM so tests can look for it anywhere it must not be.
 */
final class LockedLocalKind implements ConnectionKind {
  static final String PASSWORD = "pw-" + UUID.randomUUID();

  private final LocalConnectionKind local = new LocalConnectionKind();

  @Override
  public String name() {
    return "locked-local";
  }

  @Override
  public String description() {
    return "a local folder behind a password (tests only)";
  }

  @Override
  public List<Field> settings() {
    return local.settings();
  }

  @Override
  public List<Field> secret() {
    return List.of(new Field("password", true, "the folder's password"));
  }

  @Override
  public Map<String, String> validate(Map<String, String> settings, Map<String, String> secret) {
    return local.validate(settings, secret);
  }

  @Override
  public Storage open(Map<String, String> settings, Map<String, String> secret, String path) {
    if (!PASSWORD.equals(secret.get("password"))) {
      throw new StorageException.AccessDenied("wrong password for " + settings.get("root"), null);
    }
    return local.open(settings, Map.of(), path);
  }
}
