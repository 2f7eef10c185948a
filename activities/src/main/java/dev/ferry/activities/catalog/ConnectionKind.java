package dev.ferry.activities.catalog;

import dev.ferry.activities.storage.Storage;
import java.util.List;
import java.util.Map;

/**
 * One kind of connection ({@code local}, {@code s3}, ...): which settings and secret fields it
 * takes, how to check them, and how to open a connector over them. Settings are plain, non-secret
 * strings stored as JSON; the secret fields are encrypted at rest and reach {@link #open} only in
 * the activity that needs them.
 */
public interface ConnectionKind {
  /** The kind's name as the API spells it. */
  String name();

  /** One line for documentation and error messages. */
  String description();

  /** The settings fields this kind accepts. */
  List<Field> settings();

  /** The secret fields this kind accepts (empty when it takes no secret). */
  List<Field> secret();

  /**
   * Problems beyond presence (which {@link ConnectionKinds#validate} checks), keyed by field path
   * ({@code settings.root}, {@code secret.accessKeyId}); empty when fine. Does not contact the
   * store: a connection may name a place only an agent can reach.
   */
  Map<String, String> validate(Map<String, String> settings, Map<String, String> secret);

  /**
   * Opens a connector rooted at {@code path} (relative, {@code /}-separated, already checked with
   * {@link dev.ferry.activities.storage.SafePath}; empty for the connection's own root).
   */
  Storage open(Map<String, String> settings, Map<String, String> secret, String path);

  /**
   * The settings that change how the store is reached or written but not where its files are (a
   * signing region, an access tier, a number of channels): changing only these never moves the
   * locations of the jobs that use a connection, so the API allows it after they have run. Every
   * other setting is part of where.
   */
  default java.util.Set<String> tunables() {
    return java.util.Set.of();
  }

  /**
   * The settings that name a file on the machine that runs the job (an SSH key, a known_hosts
   * file): read by the worker, so on the server's own worker they are the server's files.
   */
  default java.util.Set<String> workerFiles() {
    return java.util.Set.of();
  }

  /**
   * Whether a connection of this kind is a files location, which a job can read or write: false for
   * a database server ({@code postgresql}), which {@link #open} refuses.
   */
  default boolean files() {
    return true;
  }

  /**
   * Whether this kind's connector holds symbolic links ({@link
   * dev.ferry.activities.storage.Capabilities#links()}), so that {@code links=preserve} can
   * recreate them there: known without contacting the store.
   */
  default boolean holdsLinks() {
    return false;
  }

  /**
   * One field of the settings or of the secret.
   *
   * @param name field name
   * @param required whether it must be given
   * @param description what it means
   */
  record Field(String name, boolean required, String description) {}
}
