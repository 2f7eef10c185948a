package dev.ferry.activities.catalog;

import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.local.LocalStorage;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code local}: a folder on the disks of the worker that runs the job (the server's central
 * worker, or the job's agent). Settings: {@code root}, an absolute path, and {@code agentId}, the
 * agent whose machine it is on (absent: the server's; the API enforces where each may be used). No
 * secret.
 */
public final class LocalConnectionKind implements ConnectionKind {
  @Override
  public String name() {
    return "local";
  }

  @Override
  public String description() {
    return "a folder on the worker's disks or a mounted file server (settings: root)";
  }

  @Override
  public List<Field> settings() {
    return List.of(
        new Field(
            "root",
            true,
            "absolute path of the folder on the machine that runs the job (server or agent)"),
        new Field(
            "agentId",
            false,
            "the agent whose machine the folder is on; absent: the server's own worker (an"
                + " operator's connection, under the server's FERRY_LOCAL_ROOTS)"));
  }

  @Override
  public boolean holdsLinks() {
    return LocalStorage.CAPABILITIES.links();
  }

  @Override
  public List<Field> secret() {
    return List.of();
  }

  @Override
  public Map<String, String> validate(Map<String, String> settings, Map<String, String> secret) {
    String root = settings.get("root");
    if (root == null) {
      return Map.of();
    }
    try {
      if (!Path.of(root).isAbsolute()) {
        return Map.of("settings.root", "must be an absolute path (got '" + root + "')");
      }
    } catch (InvalidPathException e) {
      return Map.of("settings.root", "is not a valid path: " + e.getMessage());
    }
    return Map.of();
  }

  @Override
  public Storage open(Map<String, String> settings, Map<String, String> secret, String path) {
    Path root = Path.of(settings.get("root"));
    return new LocalStorage(
        path.isEmpty()
            ? root
            : root.resolve(SafePath.require(path, LocalStorage.BACKSLASH_SEPARATOR)));
  }
}
