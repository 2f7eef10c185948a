package dev.ferry.activities.storage.graph;

import dev.ferry.activities.storage.SafePath;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a OneDrive or SharePoint location lives and how to reach it through Microsoft Graph.
 *
 * <p>Locations:
 *
 * <ul>
 *   <li>{@code onedrive://user@domain/path}: the OneDrive of the user whose user principal name is
 *       {@code user@domain} (for example {@code onedrive://alice@contoso.com/Backups}).
 *   <li>{@code sharepoint://hostname/site/library/path}: the document library named {@code library}
 *       (its name as Graph lists it, for example {@code Documents}; percent-encode spaces: {@code
 *       Shared%20Documents}) of the site {@code https://hostname/sites/site} (for example {@code
 *       sharepoint://contoso.sharepoint.com/marketing/Documents/2024}).
 * </ul>
 *
 * <p>The path after the drive is the root; it may be empty. Credentials come only from the
 * environment (an Entra ID app registration with application permission {@code Files.ReadWrite.All}
 * or {@code Sites.ReadWrite.All}, admin-consented): {@value #TENANT_ID} (for OneDrive, the user's
 * domain when unset), {@value #CLIENT_ID}, {@value #CLIENT_SECRET}. {@value #ENDPOINT} and {@value
 * #AUTHORITY} override the Graph and sign-in endpoints (national clouds, tests).
 *
 * @param kind {@code onedrive} or {@code sharepoint}
 * @param user the user principal name (OneDrive), else null
 * @param host the SharePoint host name, else null
 * @param site the site's name under {@code /sites/}, else null
 * @param library the document library's name, else null
 * @param root the folder inside the drive, without leading or trailing {@code /}, may be empty
 */
public record GraphSettings(
    String kind,
    String user,
    String host,
    String site,
    String library,
    String root,
    String tenant,
    String clientId,
    String clientSecret,
    String endpoint,
    String authority) {

  public static final String TENANT_ID = "FERRY_GRAPH_TENANT_ID";
  public static final String CLIENT_ID = "FERRY_GRAPH_CLIENT_ID";
  public static final String CLIENT_SECRET = "FERRY_GRAPH_CLIENT_SECRET";
  public static final String ENDPOINT = "FERRY_GRAPH_ENDPOINT";
  public static final String AUTHORITY = "FERRY_GRAPH_AUTHORITY";

  public static final String DEFAULT_ENDPOINT = "https://graph.microsoft.com/v1.0";
  public static final String DEFAULT_AUTHORITY = "https://login.microsoftonline.com";

  static final String FORMS =
      "onedrive://user@domain/path or sharepoint://hostname/site/library/path";

  /** What a user must set, for messages. */
  public static final String CREDENTIALS_HINT =
      "set "
          + CLIENT_ID
          + " and "
          + CLIENT_SECRET
          + " (an Entra ID app registration with the application permission Files.ReadWrite.All"
          + " or Sites.ReadWrite.All, admin-consented) and "
          + TENANT_ID;

  /**
   * What to check when Microsoft Graph refuses the credentials, for messages: the settings come
   * from the environment ({@code onedrive://}, {@code sharepoint://} locations) or from a catalog
   * connection ({@code onedrive} and {@code sharepoint} kinds of the API).
   */
  public static final String CHECK_CREDENTIALS =
      "check the tenant, the client id and the client secret ("
          + TENANT_ID
          + ", "
          + CLIENT_ID
          + ", "
          + CLIENT_SECRET
          + " for a location; settings tenant and clientId and secret clientSecret for a"
          + " connection): an Entra ID app registration with the application permission"
          + " Files.ReadWrite.All or Sites.ReadWrite.All, admin-consented";

  /**
   * Settings for an {@code onedrive://} or {@code sharepoint://} location with credentials and
   * endpoints from {@code env}.
   *
   * @throws IllegalArgumentException when the location is malformed or a setting is missing; the
   *     message names what to write or set
   */
  public static GraphSettings fromUri(URI uri, Map<String, String> env) {
    Parsed p = parse(uri, uri.toString());
    String tenant = get(env, TENANT_ID);
    if (tenant == null && p.user != null) {
      tenant = p.user.substring(p.user.indexOf('@') + 1);
    }
    String clientId = get(env, CLIENT_ID);
    String secret = get(env, CLIENT_SECRET);
    List<String> missing = new ArrayList<>();
    if (tenant == null) {
      missing.add(TENANT_ID);
    }
    if (clientId == null) {
      missing.add(CLIENT_ID);
    }
    if (secret == null) {
      missing.add(CLIENT_SECRET);
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "no Microsoft Graph credentials for "
              + p.location()
              + ": "
              + String.join(", ", missing)
              + (missing.size() == 1 ? " is" : " are")
              + " not set; "
              + CREDENTIALS_HINT);
    }
    String endpoint = get(env, ENDPOINT);
    String authority = get(env, AUTHORITY);
    return new GraphSettings(
        p.kind,
        p.user,
        p.host,
        p.site,
        p.library,
        p.root,
        tenant,
        clientId,
        secret,
        (endpoint == null ? DEFAULT_ENDPOINT : endpoint).replaceAll("/+$", ""),
        (authority == null ? DEFAULT_AUTHORITY : authority).replaceAll("/+$", ""));
  }

  /**
   * The canonical form of a Graph location: scheme and host in lower case, the path without a
   * trailing slash.
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static String canonical(URI uri, String typed) {
    return parse(uri, typed).location();
  }

  private record Parsed(
      String kind, String user, String host, String site, String library, String root) {
    String location() {
      String r = root.isEmpty() ? "" : "/" + encodePath(root);
      if (kind.equals("onedrive")) {
        int at = user.indexOf('@');
        return "onedrive://" + encodeSegment(user.substring(0, at)) + user.substring(at) + r;
      }
      return "sharepoint://" + host + "/" + encodeSegment(site) + "/" + encodeSegment(library) + r;
    }
  }

  private static Parsed parse(URI uri, String typed) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("'" + typed + "' has a query or fragment; write " + FORMS);
    }
    List<String> segs = new ArrayList<>();
    String rawPath = uri.getRawPath() == null ? "" : uri.getRawPath();
    for (String s : rawPath.split("/")) {
      if (!s.isEmpty()) {
        segs.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
      }
    }
    String host = uri.getHost() == null ? null : uri.getHost().toLowerCase(Locale.ROOT);
    if (host == null || host.isEmpty() || uri.getPort() != -1) {
      throw new IllegalArgumentException(
          "'" + typed + "' names no host (or has a port): write " + FORMS);
    }
    switch (scheme) {
      case "onedrive" -> {
        String user = uri.getUserInfo();
        if (user == null || user.isEmpty() || user.contains(":")) {
          throw new IllegalArgumentException(
              "'"
                  + typed.replaceAll("//[^/@]*@", "//…@")
                  + "' names no user: write onedrive://user@domain/path, where user@domain is the"
                  + " user's principal name (sign-in name)");
        }
        return new Parsed(
            "onedrive", (user + "@" + host).toLowerCase(Locale.ROOT), null, null, null, root(segs));
      }
      case "sharepoint" -> {
        if (uri.getRawUserInfo() != null || segs.size() < 2) {
          throw new IllegalArgumentException(
              "'"
                  + typed
                  + "' must name a site and a document library: write"
                  + " sharepoint://hostname/site/library[/path] for the library 'library' of"
                  + " https://hostname/sites/site");
        }
        return new Parsed(
            "sharepoint", null, host, segs.get(0), segs.get(1), root(segs.subList(2, segs.size())));
      }
      default -> throw new IllegalArgumentException("not a Graph location: " + typed);
    }
  }

  private static String root(List<String> segs) {
    String r = String.join("/", segs);
    if (!r.isEmpty()) {
      SafePath.problem(r)
          .ifPresent(
              problem -> {
                throw new IllegalArgumentException(
                    "invalid folder '" + r + "' in the Graph location: " + problem);
              });
    }
    return r;
  }

  /** The location these settings describe, without secrets. */
  public String location() {
    return new Parsed(kind, user, host, site, library, root).location();
  }

  @Override
  public String toString() {
    return "GraphSettings["
        + location()
        + ", tenant "
        + tenant
        + ", client "
        + clientId
        + ", secret hidden"
        + ", endpoint "
        + endpoint
        + "]";
  }

  /** Percent-encodes one path segment (RFC 3986 unreserved characters stay as they are). */
  static String encodeSegment(String s) {
    StringBuilder b = new StringBuilder();
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c));
      }
    }
    return b.toString();
  }

  static String encodePath(String path) {
    StringBuilder b = new StringBuilder();
    for (String s : path.split("/")) {
      if (b.length() > 0) {
        b.append('/');
      }
      b.append(encodeSegment(s));
    }
    return b.toString();
  }

  private static String get(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.strip();
  }
}
