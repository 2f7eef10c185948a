package dev.ferry.activities.catalog;

import dev.ferry.activities.storage.SafePath;
import java.util.Optional;
import java.util.UUID;

/**
 * A location inside a catalog connection, stored as a job's source or destination URI: {@code
 * connection:<uuid>} for the connection's root, {@code connection:<uuid>/<path>} below it. It names
 * the connection by id only, so no credential is ever part of a job, a run or a workflow input.
 *
 * @param connectionId the connection
 * @param path relative {@code /}-separated path below the connection's root, empty for the root
 */
public record ConnectionLocation(UUID connectionId, String path) {
  public static final String SCHEME = "connection:";

  public ConnectionLocation {
    path = normalize(path);
    if (!path.isEmpty()) {
      SafePath.require(path);
    }
  }

  /** {@code a//b/} → {@code a/b}; leading and trailing slashes dropped. */
  public static String normalize(String path) {
    if (path == null) {
      return "";
    }
    return path.replaceAll("/+", "/").replaceAll("^/|/$", "");
  }

  /** This location below {@code sub} (relative): the connection's path joined with {@code sub}. */
  public ConnectionLocation resolve(String sub) {
    return new ConnectionLocation(connectionId, SafePath.join(path, normalize(sub)));
  }

  public String uri() {
    return SCHEME + connectionId + (path.isEmpty() ? "" : "/" + path);
  }

  /** The location a URI names, or empty when it is not a {@code connection:} URI. */
  public static Optional<ConnectionLocation> parse(String uri) {
    if (uri == null || !uri.startsWith(SCHEME)) {
      return Optional.empty();
    }
    String rest = uri.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String id = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash + 1);
    try {
      return Optional.of(new ConnectionLocation(UUID.fromString(id), path));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + uri + "' is not a valid connection location");
    }
  }

  @Override
  public String toString() {
    return uri();
  }
}
