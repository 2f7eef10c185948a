package dev.ferry.activities.catalog;

import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.azure.AzureBlobStorage;
import dev.ferry.activities.storage.azure.AzureSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code azure}: a container (and blob-name prefix) of Azure Blob Storage, signed with the account
 * key, a SAS token or a connection string from the connection's secret — never the worker's
 * environment.
 */
public final class AzureConnectionKind implements ConnectionKind {
  private static final String CONTAINER = "^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$";

  @Override
  public String name() {
    return "azure";
  }

  @Override
  public String description() {
    return "an Azure Blob container (settings: container, prefix, account, endpoint, tier;"
        + " secret: one of accountKey, sasToken, connectionString)";
  }

  @Override
  public List<Field> settings() {
    return List.of(
        new Field("container", true, "the container name"),
        new Field("prefix", false, "blob-name prefix that acts as the root"),
        new Field("account", false, "the storage account (not needed with a connection string)"),
        new Field(
            "endpoint",
            false,
            "blob service URL, e.g. http://127.0.0.1:10000/devstoreaccount1; absent: the account's"),
        new Field("tier", false, "access tier of new blobs: Hot, Cool, Cold or Archive"));
  }

  @Override
  public java.util.Set<String> tunables() {
    return java.util.Set.of("tier");
  }

  @Override
  public List<Field> secret() {
    return List.of(
        new Field("accountKey", false, "the account's shared key (base64)"),
        new Field("sasToken", false, "a shared access signature"),
        new Field("connectionString", false, "a full storage connection string"));
  }

  @Override
  public Map<String, String> validate(Map<String, String> settings, Map<String, String> secret) {
    Map<String, String> problems = new TreeMap<>();
    String container = settings.get("container");
    if (container != null
        && !(container.matches(CONTAINER)
            || container.equals("$root")
            || container.equals("$web"))) {
      problems.put(
          "settings.container",
          "must be 3-63 lowercase letters, digits and single hyphens (got '" + container + "')");
    }
    String prefix = ConnectionLocation.normalize(settings.get("prefix"));
    if (!prefix.isEmpty()) {
      // Azure reads a backslash as '/'
      SafePath.problem(prefix, true).ifPresent(p -> problems.put("settings.prefix", p));
    }
    String endpoint = settings.get("endpoint");
    if (endpoint != null && !isUrl(endpoint)) {
      problems.put("settings.endpoint", "must be an http(s):// URL (got '" + endpoint + "')");
    }
    String tier = settings.get("tier");
    if (tier != null) {
      try {
        AzureSettings.canonicalTier(tier);
      } catch (IllegalArgumentException e) {
        problems.put(
            "settings.tier", "must be one of Hot, Cool, Cold, Archive (got '" + tier + "')");
      }
    }
    long given =
        List.of("accountKey", "sasToken", "connectionString").stream()
            .filter(k -> secret.get(k) != null && !secret.get(k).isBlank())
            .count();
    if (given != 1) {
      problems.put("secret", "give exactly one of accountKey, sasToken, connectionString");
    } else if (secret.get("connectionString") == null && blank(settings.get("account"))) {
      problems.put("settings.account", "is required with an accountKey or a sasToken");
    }
    String key = secret.get("accountKey");
    if (key != null) {
      try {
        Base64.getDecoder().decode(key.strip());
      } catch (IllegalArgumentException e) {
        problems.put("secret.accountKey", "must be base64, as the portal shows it");
      }
    }
    return problems;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static boolean isUrl(String s) {
    try {
      URI u = new URI(s.strip());
      return ("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))
          && u.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  @Override
  public Storage open(Map<String, String> settings, Map<String, String> secret, String path) {
    AzureSettings.Credentials creds;
    if (!blank(secret.get("connectionString"))) {
      creds = new AzureSettings.ConnectionString(secret.get("connectionString"));
    } else if (!blank(secret.get("accountKey"))) {
      creds =
          new AzureSettings.SharedKey(settings.get("account"), secret.get("accountKey").strip());
    } else {
      creds = new AzureSettings.Sas(settings.get("account"), secret.get("sasToken"));
    }
    String prefix = SafePath.join(ConnectionLocation.normalize(settings.get("prefix")), path);
    return AzureBlobStorage.fromSettings(
        new AzureSettings(
            settings.get("container"),
            prefix,
            creds,
            settings.get("endpoint"),
            settings.get("tier")));
  }
}
