package dev.ferry.activities.catalog;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The connection kinds this build supports, by name. The defaults are the connectors that exist in
 * the code base; tests may add their own. Immutable and thread-safe.
 */
public final class ConnectionKinds {
  private final Map<String, ConnectionKind> kinds;

  private ConnectionKinds(Map<String, ConnectionKind> kinds) {
    this.kinds = kinds;
  }

  /** The kinds with a connector in this build. */
  public static ConnectionKinds defaults() {
    return of(
        List.of(
            new LocalConnectionKind(),
            new S3ConnectionKind(),
            new SftpConnectionKind(),
            new AzureConnectionKind(),
            GraphConnectionKind.oneDrive(),
            GraphConnectionKind.sharePoint(),
            new PostgresqlConnectionKind()));
  }

  public static ConnectionKinds of(Collection<? extends ConnectionKind> kinds) {
    Map<String, ConnectionKind> m = new LinkedHashMap<>();
    for (ConnectionKind k : kinds) {
      m.put(k.name(), k);
    }
    return new ConnectionKinds(Map.copyOf(m));
  }

  /** These kinds and {@code extra}. */
  public ConnectionKinds with(ConnectionKind extra) {
    List<ConnectionKind> all = new ArrayList<>(kinds.values());
    all.add(extra);
    return of(all);
  }

  public Optional<ConnectionKind> find(String name) {
    return Optional.ofNullable(name == null ? null : kinds.get(name));
  }

  /** Supported kind names, sorted. */
  public List<String> names() {
    return kinds.keySet().stream().sorted().toList();
  }

  public Collection<ConnectionKind> all() {
    return kinds.values();
  }

  /**
   * Every problem of a connection's kind, settings and secret, keyed by field path ({@code kind},
   * {@code settings.root}, {@code secret.secretAccessKey}): unknown kind, missing or blank required
   * fields, unknown fields, and the kind's own checks. Empty when the connection is valid.
   */
  public Map<String, String> validate(
      String kindName, Map<String, String> settings, Map<String, String> secret) {
    Map<String, String> problems = new TreeMap<>();
    Optional<ConnectionKind> found = find(kindName);
    if (found.isEmpty()) {
      problems.put(
          "kind",
          (kindName == null ? "is required" : "unknown connection kind '" + kindName + "'")
              + "; supported: "
              + String.join(", ", names()));
      return problems;
    }
    ConnectionKind kind = found.get();
    check("settings", kind.settings(), settings, problems);
    check("secret", kind.secret(), secret, problems);
    if (problems.isEmpty()) {
      problems.putAll(kind.validate(settings, secret));
    }
    return problems;
  }

  private static void check(
      String prefix,
      List<ConnectionKind.Field> fields,
      Map<String, String> given,
      Map<String, String> problems) {
    for (ConnectionKind.Field f : fields) {
      String v = given.get(f.name());
      if (f.required() && (v == null || v.isBlank())) {
        problems.put(prefix + "." + f.name(), "is required (" + f.description() + ")");
      }
    }
    for (String name : given.keySet()) {
      if (fields.stream().noneMatch(f -> f.name().equals(name))) {
        problems.put(
            prefix + "." + name,
            fields.isEmpty()
                ? "unknown field: this kind takes no " + prefix
                : "unknown field; accepted: "
                    + String.join(", ", fields.stream().map(ConnectionKind.Field::name).toList()));
      }
    }
  }
}
