package dev.ferry.activities.storage.azure;

import dev.ferry.activities.storage.SafePath;
import java.net.URI;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where an {@code azure://container/prefix} location lives and how to reach it: the container, a
 * prefix inside it (may be empty), the credentials, an optional blob endpoint and an optional
 * access tier for new blobs.
 *
 * <p>Credentials come from the environment, never from the location (which is stored with the job):
 * {@code AZURE_STORAGE_CONNECTION_STRING}, else {@code AZURE_STORAGE_ACCOUNT} with {@code
 * AZURE_STORAGE_KEY}, else {@code AZURE_STORAGE_ACCOUNT} with {@code AZURE_STORAGE_SAS_TOKEN}.
 * {@code AZURE_STORAGE_ENDPOINT} overrides the blob endpoint (for example Azurite's {@code
 * http://127.0.0.1:10000/devstoreaccount1}); {@code FERRY_AZURE_TIER} sets the access tier.
 *
 * <p>Immutable. {@link #toString()} and every message leave secrets out.
 *
 * @param container container name (3-63 lowercase letters, digits and single hyphens, or {@code
 *     $root} / {@code $web})
 * @param prefix blob-name prefix without leading or trailing {@code /}, empty for the whole
 *     container
 * @param credentials how requests are signed
 * @param endpoint blob service endpoint URL, or null for the account's public endpoint (or the one
 *     in the connection string)
 * @param tier access tier for written blobs ({@code Hot}, {@code Cool}, {@code Cold}, {@code
 *     Archive}), or null for the account's default
 */
public record AzureSettings(
    String container, String prefix, Credentials credentials, String endpoint, String tier) {

  /** Environment variables that supply credentials, in the order they are tried. */
  public static final String CONNECTION_STRING = "AZURE_STORAGE_CONNECTION_STRING";

  public static final String ACCOUNT = "AZURE_STORAGE_ACCOUNT";
  public static final String KEY = "AZURE_STORAGE_KEY";
  public static final String SAS_TOKEN = "AZURE_STORAGE_SAS_TOKEN";
  public static final String ENDPOINT = "AZURE_STORAGE_ENDPOINT";
  public static final String TIER = "FERRY_AZURE_TIER";

  /** What a user must set, for messages. */
  public static final String CREDENTIALS_HINT =
      "set "
          + CONNECTION_STRING
          + ", or "
          + ACCOUNT
          + " with "
          + KEY
          + " or "
          + SAS_TOKEN
          + " (and "
          + ENDPOINT
          + " for a non-public endpoint such as Azurite)";

  private static final List<String> TIERS = List.of("Hot", "Cool", "Cold", "Archive");
  private static final Pattern CONTAINER =
      Pattern.compile("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$");

  public AzureSettings {
    container = requireContainer(container);
    prefix = normalizePrefix(prefix);
    Objects.requireNonNull(credentials, "credentials");
    endpoint = endpoint == null || endpoint.isBlank() ? null : endpoint.strip();
    tier = tier == null || tier.isBlank() ? null : canonicalTier(tier);
  }

  /**
   * Settings for {@code azure://container[/prefix]} with credentials, endpoint and tier from {@code
   * env} (usually {@link System#getenv()}).
   *
   * @throws IllegalArgumentException when the location is malformed, no credentials are set (the
   *     message names the variables to set) or the tier is unknown
   */
  public static AzureSettings fromUri(URI uri, Map<String, String> env) {
    if (!"azure".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("not an azure:// location: " + uri);
    }
    return new AzureSettings(
        containerOf(uri), uri.getPath(), credentialsFrom(env), get(env, ENDPOINT), get(env, TIER));
  }

  /**
   * The container an {@code azure://} URI names.
   *
   * @throws IllegalArgumentException when it names none or an invalid one
   */
  public static String containerOf(URI uri) {
    String authority = uri.getRawAuthority();
    if (authority == null || authority.isEmpty()) {
      throw new IllegalArgumentException(
          "'" + uri + "' names no container: write azure://container or azure://container/prefix");
    }
    return requireContainer(authority);
  }

  /** The same settings with another access tier (null for the account's default). */
  public AzureSettings withTier(String newTier) {
    return new AzureSettings(container, prefix, credentials, endpoint, newTier);
  }

  /** The location these settings describe, without secrets. */
  public String location() {
    return "azure://" + container + (prefix.isEmpty() ? "" : "/" + prefix);
  }

  @Override
  public String toString() {
    return "AzureSettings["
        + location()
        + ", "
        + credentials
        + (endpoint == null ? "" : ", endpoint " + withoutQuery(endpoint))
        + (tier == null ? "" : ", tier " + tier)
        + "]";
  }

  static String withoutQuery(String url) {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q);
  }

  private static String requireContainer(String name) {
    if (name == null
        || !(CONTAINER.matcher(name).matches() || name.equals("$root") || name.equals("$web"))) {
      throw new IllegalArgumentException(
          "'"
              + name
              + "' is not a valid Azure container name: use 3-63 lowercase letters, digits and"
              + " single hyphens, starting and ending with a letter or digit");
    }
    return name;
  }

  private static String normalizePrefix(String prefix) {
    String p = prefix == null ? "" : prefix.replaceAll("^/+", "").replaceAll("/+$", "");
    if (!p.isEmpty()) {
      SafePath.problem(p, true) // Azure reads a backslash as '/'
          .ifPresent(
              problem -> {
                throw new IllegalArgumentException(
                    "invalid prefix '" + p + "' in the Azure location: " + problem);
              });
    }
    return p;
  }

  /**
   * The canonical spelling of an access tier.
   *
   * @throws IllegalArgumentException naming the accepted tiers
   */
  public static String canonicalTier(String tier) {
    for (String t : TIERS) {
      if (t.equalsIgnoreCase(tier.strip())) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown Azure access tier '"
            + tier
            + "' (from "
            + TIER
            + " or the settings): use one of "
            + String.join(", ", TIERS));
  }

  private static String get(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.strip();
  }

  private static Credentials credentialsFrom(Map<String, String> env) {
    String cs = get(env, CONNECTION_STRING);
    if (cs != null) {
      return new ConnectionString(cs);
    }
    String account = get(env, ACCOUNT);
    String key = get(env, KEY);
    String sas = get(env, SAS_TOKEN);
    if (account != null && key != null) {
      return new SharedKey(account, key);
    }
    if (account != null && sas != null) {
      return new Sas(account, sas);
    }
    String missing =
        account == null
            ? "no Azure credentials found"
            : ACCOUNT + " is set but neither " + KEY + " nor " + SAS_TOKEN + " is";
    throw new IllegalArgumentException(missing + ": " + CREDENTIALS_HINT);
  }

  /** How requests are signed. Implementations never print their secret. */
  public sealed interface Credentials permits ConnectionString, SharedKey, Sas {}

  /** A full storage connection string ({@code AccountName=...;AccountKey=...;...}). */
  public record ConnectionString(String value) implements Credentials {
    public ConnectionString {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
      return "connection string from " + CONNECTION_STRING;
    }
  }

  /** An account name and its shared key (base64). */
  public record SharedKey(String account, String key) implements Credentials {
    public SharedKey {
      Objects.requireNonNull(account, "account");
      Objects.requireNonNull(key, "key");
      try {
        Base64.getDecoder().decode(key);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            KEY + " is not a valid account key (expected base64, as the portal shows it)");
      }
    }

    @Override
    public String toString() {
      return "shared key for account " + account;
    }
  }

  /** An account name and a shared access signature (with or without its leading {@code ?}). */
  public record Sas(String account, String token) implements Credentials {
    public Sas {
      Objects.requireNonNull(account, "account");
      token = Objects.requireNonNull(token, "token").replaceFirst("^\\?", "");
    }

    @Override
    public String toString() {
      return "SAS token for account " + account;
    }
  }
}
