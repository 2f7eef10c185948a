package dev.ferry.activities.catalog;

import dev.ferry.activities.storage.SafePath;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.graph.GraphSettings;
import dev.ferry.activities.storage.graph.GraphStorage;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code onedrive} and {@code sharepoint}: a folder of a user's OneDrive, or of a SharePoint
 * document library, reached through Microsoft Graph as an Entra ID app registration whose client
 * secret is the connection's secret — never the worker's environment ({@code FERRY_GRAPH_*} is for
 * {@code onedrive://} and {@code sharepoint://} locations of the command line only).
 *
 * <p>Two kinds rather than one {@code graph} kind with a drive setting: they match the location
 * schemes, and each names exactly the fields it needs (a user, or a host, site and library), so the
 * generic presence check reports what is missing.
 */
public final class GraphConnectionKind implements ConnectionKind {
  private static final String LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
  private static final String HOST = LABEL + "(\\." + LABEL + ")*";
  private static final String UPN = "[^@\\s/\\\\:]+@" + HOST + "\\." + LABEL;
  private static final String TENANT = "[A-Za-z0-9]([A-Za-z0-9.-]{0,253}[A-Za-z0-9])?";
  private static final String CLIENT_ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";

  private final boolean oneDrive;

  private GraphConnectionKind(boolean oneDrive) {
    this.oneDrive = oneDrive;
  }

  /** {@code onedrive}: the OneDrive of one user. */
  public static GraphConnectionKind oneDrive() {
    return new GraphConnectionKind(true);
  }

  /** {@code sharepoint}: one document library of a SharePoint site. */
  public static GraphConnectionKind sharePoint() {
    return new GraphConnectionKind(false);
  }

  @Override
  public String name() {
    return oneDrive ? "onedrive" : "sharepoint";
  }

  @Override
  public String description() {
    return oneDrive
        ? "a user's OneDrive (settings: user, root, tenant, clientId, endpoint, authority; secret:"
            + " clientSecret)"
        : "a SharePoint document library (settings: host, site, library, root, tenant, clientId,"
            + " endpoint, authority; secret: clientSecret)";
  }

  @Override
  public List<Field> settings() {
    List<Field> f = new ArrayList<>();
    if (oneDrive) {
      f.add(new Field("user", true, "the user's principal name (sign-in name), user@domain"));
    } else {
      f.add(new Field("host", true, "the SharePoint host name, e.g. contoso.sharepoint.com"));
      f.add(new Field("site", true, "the site's name as its URL shows it after /sites/"));
      f.add(new Field("library", true, "the document library's name as Graph lists it"));
    }
    f.add(new Field("root", false, "folder in the drive that acts as the root; absent: the drive"));
    f.add(
        new Field(
            "tenant",
            !oneDrive,
            oneDrive
                ? "the directory (tenant) id or a verified domain; absent: the user's domain"
                : "the directory (tenant) id or a verified domain"));
    f.add(new Field("clientId", true, "the app registration's application (client) id"));
    f.add(
        new Field(
            "endpoint",
            false,
            "Graph root URL, default " + GraphSettings.DEFAULT_ENDPOINT + " (national clouds)"));
    f.add(
        new Field(
            "authority",
            false,
            "sign-in host URL, default " + GraphSettings.DEFAULT_AUTHORITY + " (national clouds)"));
    return List.copyOf(f);
  }

  @Override
  public List<Field> secret() {
    return List.of(new Field("clientSecret", true, "the app registration's client secret"));
  }

  @Override
  public Map<String, String> validate(Map<String, String> settings, Map<String, String> secret) {
    Map<String, String> problems = new TreeMap<>();
    if (oneDrive) {
      String user = settings.get("user");
      if (user != null && !user.strip().matches(UPN)) {
        problems.put(
            "settings.user",
            "must be the user's principal name (sign-in name) such as alice@contoso.com (got '"
                + user
                + "')");
      }
    } else {
      String host = settings.get("host");
      if (host != null && !host.strip().matches(HOST)) {
        problems.put(
            "settings.host",
            "must be a host name only, such as contoso.sharepoint.com, without https:// or a path"
                + " (got '"
                + host
                + "')");
      }
      segment(settings, "site", "the site's name after /sites/ in its URL", problems);
      segment(settings, "library", "the library's name, e.g. Documents", problems);
    }
    String root = ConnectionLocation.normalize(settings.get("root"));
    if (!root.isEmpty()) {
      SafePath.problem(root).ifPresent(p -> problems.put("settings.root", p));
    }
    String tenant = settings.get("tenant");
    if (tenant != null && !tenant.strip().matches(TENANT)) {
      problems.put(
          "settings.tenant",
          "must be the directory (tenant) id, a GUID, or a verified domain such as"
              + " contoso.onmicrosoft.com (got '"
              + tenant
              + "')");
    }
    String clientId = settings.get("clientId");
    if (clientId != null && !clientId.strip().matches(CLIENT_ID)) {
      problems.put(
          "settings.clientId",
          "must be the app's application (client) id, a GUID (got '" + clientId + "')");
    }
    for (String url : List.of("endpoint", "authority")) {
      String v = settings.get(url);
      if (v != null && !isUrl(v)) {
        problems.put(
            "settings." + url,
            "must be an http(s):// URL without query or fragment, such as "
                + (url.equals("endpoint")
                    ? GraphSettings.DEFAULT_ENDPOINT
                    : GraphSettings.DEFAULT_AUTHORITY)
                + " (got '"
                + v
                + "')");
      }
    }
    String clientSecret = secret.get("clientSecret");
    if (clientSecret != null && !clientSecret.equals(clientSecret.strip())) {
      problems.put(
          "secret.clientSecret", "has leading or trailing white space; paste the value only");
    }
    return problems;
  }

  private static void segment(
      Map<String, String> settings, String name, String what, Map<String, String> problems) {
    String v = settings.get(name);
    if (v != null && (v.contains("/") || v.contains("\\") || v.chars().anyMatch(c -> c < 0x20))) {
      problems.put(
          "settings." + name, "must be one name, " + what + ", without '/' (got '" + v + "')");
    }
  }

  private static boolean isUrl(String s) {
    try {
      URI u = new URI(s.strip());
      return ("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))
          && u.getHost() != null
          && u.getRawQuery() == null
          && u.getRawFragment() == null
          && u.getRawUserInfo() == null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  @Override
  public Storage open(Map<String, String> settings, Map<String, String> secret, String path) {
    return GraphStorage.fromSettings(graphSettings(settings, secret, path));
  }

  /** The connector's settings for this connection, rooted at {@code path} below its root. */
  GraphSettings graphSettings(
      Map<String, String> settings, Map<String, String> secret, String path) {
    String user = oneDrive ? get(settings, "user").toLowerCase(Locale.ROOT) : null;
    String tenant = get(settings, "tenant");
    if (tenant == null && user != null) {
      tenant = user.substring(user.indexOf('@') + 1);
    }
    String endpoint = get(settings, "endpoint");
    String authority = get(settings, "authority");
    return new GraphSettings(
        name(),
        user,
        oneDrive ? null : get(settings, "host").toLowerCase(Locale.ROOT),
        oneDrive ? null : get(settings, "site"),
        oneDrive ? null : get(settings, "library"),
        SafePath.join(ConnectionLocation.normalize(settings.get("root")), path),
        tenant,
        get(settings, "clientId"),
        secret.get("clientSecret"),
        (endpoint == null ? GraphSettings.DEFAULT_ENDPOINT : endpoint).replaceAll("/+$", ""),
        (authority == null ? GraphSettings.DEFAULT_AUTHORITY : authority).replaceAll("/+$", ""));
  }

  private static String get(Map<String, String> m, String name) {
    String v = m.get(name);
    return v == null || v.isBlank() ? null : v.strip();
  }
}
