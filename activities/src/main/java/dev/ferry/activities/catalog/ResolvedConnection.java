package dev.ferry.activities.catalog;

import java.util.Map;
import java.util.UUID;

/**
 * A connection with its secret decrypted, for the activity that opens it. Never serialised, never
 * logged: {@link #toString()} leaves the secret out.
 */
public record ResolvedConnection(
    UUID id, String kind, Map<String, String> settings, Map<String, String> secret) {
  public ResolvedConnection {
    settings = Map.copyOf(settings);
    secret = Map.copyOf(secret);
  }

  @Override
  public String toString() {
    return "ResolvedConnection[id=" + id + ", kind=" + kind + ", settings=" + settings + "]";
  }
}
