package dev.ferry.api.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry cutover ACTION JOB}: a job's cutover through a Ferry server's API — start it, read
 * it, take its steps ({@code round}, {@code freeze}, {@code verify}, {@code switch}, {@code abort},
 * {@code decommission}), list the last verification's differences. Every action is one request of
 * docs/api.md §10; a step the cutover refuses (out of order) exits 1 with the server's reason.
 */
@Command(
    name = "cutover",
    mixinStandardHelpOptions = true,
    header = "Drive a job's cutover on a Ferry server.",
    description = {
      "ACTION is one of: start, status, round, freeze, verify, switch, abort,",
      "decommission, differences. The server is --server or FERRY_SERVER (default",
      "http://127.0.0.1:8080), the token --token or FERRY_TOKEN (an operator's or the",
      "job's client's).",
      "Exit status: 0 done, 1 refused by the cutover (the reason is printed), 2 usage,",
      "3 the server could not be reached or refused the token."
    })
public final class CutoverCommand implements Callable<Integer> {
  static final List<String> ACTIONS =
      List.of(
          "start",
          "status",
          "round",
          "freeze",
          "verify",
          "switch",
          "abort",
          "decommission",
          "differences");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(index = "0", paramLabel = "ACTION", description = "What to do (see above).")
  String action;

  @Parameters(index = "1", paramLabel = "JOB", description = "The job's id.")
  String job;

  @Option(names = "--server", paramLabel = "URL", description = "The Ferry server's URL.")
  String server;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "An API token (FERRY_TOKEN is better: a token on a command line is visible).")
  String token;

  @Option(
      names = "--round-interval",
      paramLabel = "MINUTES",
      description = "start: a round every MINUTES after the last ended (else rounds on demand).")
  Integer roundInterval;

  @Option(
      names = "--ready-below-files",
      paramLabel = "N",
      description = "start: ready to freeze once a round copies fewer than N files.")
  Long readyFiles;

  @Option(
      names = "--ready-below-bytes",
      paramLabel = "BYTES",
      description = "start: ... and fewer than BYTES bytes.")
  Long readyBytes;

  @Option(
      names = "--fallback-days",
      paramLabel = "DAYS",
      description = "start: how long the source is kept as the fallback (default 14).")
  Integer fallbackDays;

  @Option(
      names = "--freeze-hook",
      paramLabel = "COMMAND|URL",
      description = "start: run at the freeze: a shell command on the server, or an http(s) URL.")
  String freezeHook;

  @Option(
      names = "--switch-hook",
      paramLabel = "COMMAND|URL",
      description = "start: run at the switch: a shell command on the server, or an http(s) URL.")
  String switchHook;

  @Option(
      names = "--reason",
      paramLabel = "TEXT",
      description = "A step's reason, recorded with it (e.g. why an abort).")
  String reason;

  @Option(
      names = "--csv",
      paramLabel = "FILE",
      description = "differences: write them all as CSV to FILE instead of listing them.")
  Path csv;

  @Option(
      names = "--delete-source",
      description =
          "decommission: delete at the source the files the last passing verification verified"
              + " (each read again first: one changed since is kept).")
  boolean deleteSource;

  @Option(names = "--json", description = "Print the server's JSON answer as it is.")
  boolean json;

  @Override
  public Integer call() {
    if (!ACTIONS.contains(action)) {
      Ferry.err()
          .println(
              "ferry cutover: unknown action '"
                  + action
                  + "': use one of "
                  + String.join(", ", ACTIONS));
      return Ferry.EXIT_USAGE;
    }
    if (deleteSource && !action.equals("decommission")) {
      Ferry.err().println("ferry cutover: --delete-source applies to decommission only");
      return Ferry.EXIT_USAGE;
    }
    Map<String, String> env = Ferry.env();
    String base = Api.base(server, env);
    String bearer = token != null ? token : env.get("FERRY_TOKEN");
    if (bearer == null || bearer.isBlank()) {
      Ferry.err()
          .println(
              "ferry cutover: needs an API token: set FERRY_TOKEN (the operator token ferry server"
                  + " printed, or a token of the job's client)");
      return Ferry.EXIT_USAGE;
    }
    Api api = new Api(base, bearer.trim());
    String path = "/jobs/" + URLEncoder.encode(job, StandardCharsets.UTF_8) + "/cutover";
    try {
      Api.Answer a =
          switch (action) {
            case "start" -> api.send("POST", path, startBody());
            case "status" -> api.send("GET", path, null);
            case "differences" ->
                csv != null
                    ? api.send("GET", path + "/differences.csv", null)
                    : api.send("GET", path + "/differences?limit=1000", null);
            default -> api.send("POST", path + "/" + action, stepBody());
          };
      if (a.status() == 401 || a.status() == 403) {
        Ferry.err().println("ferry cutover: the server refused the token: " + a.error());
        return Ferry.EXIT_ENVIRONMENT;
      }
      if (a.status() == 400 || a.status() == 404) {
        Ferry.err().println("ferry cutover: " + a.error());
        return Ferry.EXIT_USAGE;
      }
      if (a.status() == 409) {
        Ferry.err().println("ferry cutover: refused: " + a.error());
        return Ferry.EXIT_FAILED;
      }
      if (a.status() / 100 != 2) {
        Ferry.err().println("ferry cutover: the server answered " + a.status() + ": " + a.error());
        return Ferry.EXIT_ENVIRONMENT;
      }
      if (action.equals("differences") && csv != null) {
        Files.writeString(csv, a.body());
        Ferry.out().println("Differences written to " + csv);
        return Ferry.EXIT_OK;
      }
      if (json) {
        Ferry.out().println(a.body());
        return Ferry.EXIT_OK;
      }
      JsonNode j = JSON.readTree(a.body());
      Ferry.out().print(action.equals("differences") ? differences(j) : describe(j));
      return Ferry.EXIT_OK;
    } catch (IOException e) {
      Ferry.err().println("ferry cutover: cannot reach the Ferry server at " + base + ": " + e);
      return Ferry.EXIT_ENVIRONMENT;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Ferry.EXIT_CANCELLED;
    }
  }

  private ObjectNode startBody() {
    ObjectNode b = JSON.createObjectNode();
    if (roundInterval != null) {
      b.put("roundIntervalMinutes", roundInterval);
    }
    if (readyFiles != null || readyBytes != null) {
      ObjectNode r = b.putObject("readyWhenDeltaBelow");
      if (readyFiles != null) {
        r.put("files", readyFiles);
      }
      if (readyBytes != null) {
        r.put("bytes", readyBytes);
      }
    }
    if (fallbackDays != null) {
      b.put("fallbackDays", fallbackDays);
    }
    hook(b, "freezeHook", freezeHook);
    hook(b, "switchHook", switchHook);
    return b;
  }

  private static void hook(ObjectNode b, String name, String value) {
    if (value == null) {
      return;
    }
    String v = value.trim();
    boolean url = v.startsWith("http://") || v.startsWith("https://");
    b.putObject(name).put(url ? "url" : "command", v);
  }

  private ObjectNode stepBody() {
    ObjectNode b = JSON.createObjectNode();
    if (reason != null) {
      b.put("reason", reason);
    }
    if (deleteSource) {
      b.put("deleteSource", true);
    }
    return b;
  }

  /** The cutover as a person reads it: state, what to do next, rounds, the gate, the steps. */
  static String describe(JsonNode c) {
    StringBuilder s = new StringBuilder();
    s.append("Cutover of job ")
        .append(c.path("jobId").asText())
        .append(": ")
        .append(c.path("state").asText());
    if (c.path("ready").asBoolean()) {
      s.append(" (ready to freeze");
      if (c.hasNonNull("estimatedFinalSyncSeconds")) {
        s.append("; final sync about ")
            .append(Units.duration(c.get("estimatedFinalSyncSeconds").asDouble()));
      }
      s.append(')');
    }
    s.append('\n');
    if (c.hasNonNull("message")) {
      s.append("  ").append(c.get("message").asText()).append('\n');
    }
    if (c.hasNonNull("fallbackEndsAt")) {
      s.append("  fallback until ").append(c.get("fallbackEndsAt").asText()).append('\n');
    }
    JsonNode rounds = c.path("rounds");
    if (!rounds.isEmpty()) {
      s.append(
          String.format(
              "  %-6s %-12s %-10s %12s %12s %8s %8s%n",
              "round", "mode", "state", "files", "bytes", "failed", "deleted"));
      for (JsonNode r : rounds) {
        s.append(
            String.format(
                "  %-6s %-12s %-10s %12s %12s %8s %8s%n",
                r.path("number").asText() + (r.path("finalRound").asBoolean() ? "*" : ""),
                r.path("mode").asText("-"),
                r.path("state").asText("running"),
                Units.count(r.path("filesCopied").asLong()),
                Units.bytes(r.path("bytesCopied").asLong()),
                Units.count(r.path("filesFailed").asLong()),
                Units.count(r.path("filesDeleted").asLong())));
      }
      if (rounds.findValues("finalRound").stream().anyMatch(JsonNode::asBoolean)) {
        s.append("  (* a final round, after the freeze)\n");
      }
    }
    JsonNode k = c.get("lastCheck");
    if (k != null && !k.isNull()) {
      s.append("  verification ")
          .append(k.path("number").asText())
          .append(": ")
          .append(k.path("passed").asBoolean() ? "passed" : "failed")
          .append(", ")
          .append(Units.count(k.path("filesCompared").asLong()))
          .append(" files (")
          .append(Units.bytes(k.path("bytesCompared").asLong()))
          .append(") compared, ")
          .append(Units.count(k.path("differences").asLong()))
          .append(" differences");
      StringBuilder kinds = new StringBuilder();
      k.path("byKind")
          .properties()
          .forEach(
              e -> {
                if (e.getValue().asLong() > 0) {
                  kinds
                      .append(kinds.isEmpty() ? "" : ", ")
                      .append(e.getValue().asLong())
                      .append(' ')
                      .append(e.getKey());
                }
              });
      if (!kinds.isEmpty()) {
        s.append(" (").append(kinds).append(')');
      }
      s.append('\n');
    }
    for (JsonNode st : c.path("steps")) {
      s.append("  ")
          .append(st.path("at").asText())
          .append("  ")
          .append(st.path("name").asText())
          .append(" by ")
          .append(st.path("by").asText());
      if (st.hasNonNull("outcome")) {
        s.append(": ").append(st.get("outcome").asText());
      }
      s.append('\n');
    }
    return s.toString();
  }

  static String differences(JsonNode page) {
    StringBuilder s = new StringBuilder();
    JsonNode list = page.path("differences");
    for (JsonNode d : list) {
      s.append(String.format("%-22s %s", d.path("kind").asText(), d.path("path").asText()));
      if (d.hasNonNull("detail")) {
        s.append("  (").append(d.get("detail").asText()).append(')');
      }
      s.append('\n');
    }
    if (list.isEmpty()) {
      s.append("No differences.\n");
    } else if (list.size() >= 1000) {
      s.append("… and maybe more: --csv FILE writes all of them\n");
    }
    return s.toString();
  }

  /** The server's API over the JDK's HTTP client (TLS verified against the JDK's CAs). */
  static final class Api {
    /** The API's base URL: {@code --server}, else FERRY_SERVER, else the local server's. */
    static String base(String server, Map<String, String> env) {
      String base = server != null ? server : env.getOrDefault("FERRY_SERVER", "");
      if (base.isBlank()) {
        base = "http://127.0.0.1:8080";
      }
      return base.replaceAll("/+$", "").replaceAll("/api/v1$", "") + "/api/v1";
    }

    record Answer(int status, String body) {
      String error() {
        try {
          JsonNode j = JSON.readTree(body);
          return j.hasNonNull("error") ? j.get("error").asText() : body;
        } catch (IOException e) {
          return body;
        }
      }
    }

    private static final HttpClient HTTP =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final String base;
    private final String token;

    Api(String base, String token) {
      this.base = base;
      this.token = token;
    }

    Answer send(String method, String path, JsonNode body)
        throws IOException, InterruptedException {
      HttpRequest.Builder b;
      try {
        b = HttpRequest.newBuilder(URI.create(base + path));
      } catch (IllegalArgumentException e) {
        throw new IOException("'" + base + "' is not a server URL such as http://host:8080", e);
      }
      b.timeout(Duration.ofMinutes(2)).header("Authorization", "Bearer " + token);
      if (body == null) {
        b.method(method, HttpRequest.BodyPublishers.noBody());
      } else {
        b.header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      }
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body());
    }
  }
}
