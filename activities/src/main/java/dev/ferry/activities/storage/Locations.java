package dev.ferry.activities.storage;

import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.engine.StorageResolver;
import dev.ferry.activities.storage.azure.AzureBlobStorage;
import dev.ferry.activities.storage.azure.AzureSettings;
import dev.ferry.activities.storage.graph.GraphSettings;
import dev.ferry.activities.storage.graph.GraphStorage;
import dev.ferry.activities.storage.local.LocalStorage;
import dev.ferry.activities.storage.s3.S3Settings;
import dev.ferry.activities.storage.s3.S3Storage;
import dev.ferry.activities.storage.sftp.SftpSettings;
import dev.ferry.activities.storage.sftp.SftpStorage;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Location URIs: a plain path or {@code file:///...}, {@code s3://bucket/prefix}, {@code
 * azure://container/prefix}, {@code sftp://user@host:port/path}, {@code
 * onedrive://user@domain/path} and {@code sharepoint://hostname/site/library/path}. Turns what a
 * user typed into the canonical form stored with a job, and a canonical location into a connector.
 */
public final class Locations implements StorageResolver {
  private final java.util.Map<String, String> env;

  /** Connectors read their settings (credentials, regions) from the process environment. */
  public Locations() {
    this(System.getenv());
  }

  /** Connectors read their settings from {@code env}. */
  public Locations(java.util.Map<String, String> env) {
    this.env = java.util.Map.copyOf(env);
  }

  static final String FORMS =
      "a path, file:///..., s3://bucket/prefix, azure://container/prefix,"
          + " sftp://user@host[:port]/path, onedrive://user@domain/path, or"
          + " sharepoint://hostname/site/library/path";

  /**
   * The canonical form of a location: absolute {@code file:} URIs for paths, the URI as given
   * (without a trailing slash) otherwise.
   *
   * @throws IllegalArgumentException with a message naming the accepted forms
   */
  public static String canonical(String location) {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException("a location is required: " + FORMS);
    }
    String scheme = scheme(location);
    if (scheme == null) {
      return Path.of(location).toAbsolutePath().normalize().toUri().toString().replaceAll("/$", "");
    }
    URI uri = parse(location);
    switch (scheme) {
      case "file" -> {
        return Path.of(uri).toAbsolutePath().normalize().toUri().toString().replaceAll("/$", "");
      }
      case "s3" -> {
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
          throw new IllegalArgumentException(
              "'" + location + "' names no bucket: write s3://bucket or s3://bucket/prefix");
        }
        return location.replaceAll("/+$", "");
      }
      case "sftp" -> {
        return SftpSettings.canonical(uri, location);
      }
      case "azure" -> {
        AzureSettings.containerOf(uri);
        return ("azure:" + uri.getRawSchemeSpecificPart()).replaceAll("/+$", "");
      }
      case "onedrive", "sharepoint" -> {
        return GraphSettings.canonical(uri, location);
      }
      default ->
          throw new IllegalArgumentException(
              "unknown location scheme '" + scheme + ":' in '" + location + "': use " + FORMS);
    }
  }

  private static String scheme(String location) {
    int colon = location.indexOf("://");
    if (colon <= 0) {
      return location.startsWith("file:") ? "file" : null;
    }
    return location.substring(0, colon).toLowerCase(Locale.ROOT);
  }

  private static URI parse(String location) {
    try {
      return new URI(location.replace(" ", "%20"));
    } catch (URISyntaxException e) {
      // the message must not repeat a password someone put in the location
      throw new IllegalArgumentException(
          "'"
              + location.replaceAll("//[^/@]*@", "//…@")
              + "' is not a valid location: "
              + e.getReason());
    }
  }

  /**
   * Whether the connector of a location holds symbolic links (its declared {@link
   * Capabilities#links()}), known without opening it: local folders and SFTP servers do; object
   * stores and drives have no links.
   */
  public static boolean holdsLinks(String location) {
    return switch (String.valueOf(scheme(canonical(location)))) {
      case "file" -> LocalStorage.CAPABILITIES.links();
      case "sftp" -> SftpStorage.CAPABILITIES.links();
      default -> false;
    };
  }

  @Override
  public Storage open(String location, RunOptions options) {
    String canonical = canonical(location);
    URI uri = parse(canonical);
    return switch (uri.getScheme()) {
      case "file" -> new LocalStorage(Path.of(uri));
      case "s3" -> new S3Storage(S3Settings.fromUri(uri, options.s3Endpoint(), env::get));
      case "sftp" -> new SftpStorage(SftpSettings.fromUri(uri, env));
      case "azure" -> AzureBlobStorage.fromSettings(AzureSettings.fromUri(uri, env));
      case "onedrive", "sharepoint" -> GraphStorage.fromSettings(GraphSettings.fromUri(uri, env));
      default -> throw new IllegalArgumentException("unsupported location " + canonical);
    };
  }
}
