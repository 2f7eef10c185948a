package dev.ferry.api.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry transit ACTION …}: a client server's transit cutover through a Ferry server's API
 * (docs/api.md §12) — create it from a JSON file, read it, take its steps. A step the transit
 * refuses (out of order) exits 1 with the server's reason; an operator step with a client's token
 * exits 3 with the rule.
 */
@Command(
    name = "transit",
    mixinStandardHelpOptions = true,
    header = "Drive a transit-server cutover on a Ferry server.",
    description = {
      "  ferry transit create SPEC.json      (the body of POST /api/v1/transits)",
      "  ferry transit list",
      "  ferry transit status TRANSIT",
      "  ferry transit rehearse TRANSIT ACCOUNT...",
      "  ferry transit request TRANSIT [--reason TEXT]",
      "  ferry transit move-account TRANSIT ACCOUNT [--wait]",
      "  ferry transit move-back TRANSIT ACCOUNT [--wait]",
      "  ferry transit reinstall TRANSIT [--reason TEXT]",
      "  ferry transit finalize TRANSIT --by support|user",
      "The server is --server or FERRY_SERVER (default http://127.0.0.1:8080), the",
      "token --token or FERRY_TOKEN (an operator's, or the client's: request, rehearse,",
      "reinstall and finalize --by support are operator steps).",
      "Exit status: 0 done, 1 refused by the transit (the reason is printed), 2 usage,",
      "3 the server could not be reached or refused the token."
    })
public final class TransitCommand implements Callable<Integer> {
  static final List<String> ACTIONS =
      List.of(
          "create",
          "list",
          "status",
          "rehearse",
          "request",
          "move-account",
          "move-back",
          "reinstall",
          "finalize");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(index = "0", paramLabel = "ACTION", description = "What to do (see above).")
  String action;

  @Parameters(
      index = "1..*",
      arity = "0..*",
      paramLabel = "ARG",
      description = "The transit's id (the spec file for create), then account names.")
  List<String> args = new ArrayList<>();

  @Option(names = "--server", paramLabel = "URL", description = "The Ferry server's URL.")
  String server;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "An API token (FERRY_TOKEN is better: a token on a command line is visible).")
  String token;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Recorded with the step.")
  String reason;

  @Option(
      names = "--by",
      paramLabel = "WHO",
      description = "finalize: support (support moves the accounts home) or user (within a week).")
  String by;

  @Option(
      names = "--wait",
      description =
          "Wait until the transit has nothing running (the move, the precopy), then print it.")
  boolean await;

  @Option(names = "--json", description = "Print the server's JSON answer as it is.")
  boolean json;

  private static String usage(String why) {
    Ferry.err().println("ferry transit: " + why + " (ferry transit --help)");
    return null;
  }

  @Override
  public Integer call() {
    if (!ACTIONS.contains(action)) {
      usage("unknown action '" + action + "': use one of " + String.join(", ", ACTIONS));
      return Ferry.EXIT_USAGE;
    }
    int needed =
        switch (action) {
          case "list" -> 0;
          case "move-account", "move-back", "rehearse" -> 2;
          default -> 1;
        };
    if (args.size() < needed || (!action.equals("rehearse") && args.size() > needed)) {
      usage(
          action
              + " takes "
              + (action.equals("create")
                  ? "the spec file"
                  : needed == 0
                      ? "no argument"
                      : needed == 1 ? "the transit's id" : "the transit's id and an account"));
      return Ferry.EXIT_USAGE;
    }
    if (action.equals("finalize") && !"support".equals(by) && !"user".equals(by)) {
      usage("finalize needs --by support or --by user");
      return Ferry.EXIT_USAGE;
    }
    Map<String, String> env = Ferry.env();
    String base = CutoverCommand.Api.base(server, env);
    String bearer = token != null ? token : env.get("FERRY_TOKEN");
    if (bearer == null || bearer.isBlank()) {
      Ferry.err()
          .println(
              "ferry transit: needs an API token: set FERRY_TOKEN (the operator token ferry server"
                  + " printed, or a token of the transit's client)");
      return Ferry.EXIT_USAGE;
    }
    CutoverCommand.Api api = new CutoverCommand.Api(base, bearer.trim());
    try {
      CutoverCommand.Api.Answer a;
      String path =
          action.equals("create") || action.equals("list")
              ? "/transits"
              : "/transits/" + URLEncoder.encode(args.getFirst(), StandardCharsets.UTF_8);
      switch (action) {
        case "create" -> {
          JsonNode spec;
          try {
            spec = JSON.readTree(Files.readString(Path.of(args.getFirst())));
          } catch (IOException e) {
            usage("cannot read the spec " + args.getFirst() + ": " + e.getMessage());
            return Ferry.EXIT_USAGE;
          }
          a = api.send("POST", path, spec);
        }
        case "list" -> a = api.send("GET", path + "?limit=500", null);
        case "status" -> a = api.send("GET", path, null);
        default -> a = api.send("POST", path + "/" + action, stepBody());
      }
      Integer refused = refused(a);
      if (refused != null) {
        return refused;
      }
      if (await && !action.equals("list")) {
        JsonNode t = JSON.readTree(a.body());
        String id = t.path("id").asText();
        while (busy(t)) {
          Thread.sleep(Duration.ofSeconds(2));
          a = api.send("GET", "/transits/" + id, null);
          refused = refused(a);
          if (refused != null) {
            return refused;
          }
          t = JSON.readTree(a.body());
        }
      }
      if (json) {
        Ferry.out().println(a.body());
        return Ferry.EXIT_OK;
      }
      JsonNode j = JSON.readTree(a.body());
      if (action.equals("list")) {
        for (JsonNode t : j.path("transits")) {
          Ferry.out()
              .printf(
                  "%s  %-12s %-9s %s%n",
                  t.path("id").asText(),
                  t.path("state").asText(),
                  t.path("kind").asText(),
                  t.path("name").asText());
        }
        if (j.path("transits").isEmpty()) {
          Ferry.out().println("No transits.");
        }
      } else {
        Ferry.out().print(describe(j));
      }
      return Ferry.EXIT_OK;
    } catch (IOException e) {
      Ferry.err().println("ferry transit: cannot reach the Ferry server at " + base + ": " + e);
      return Ferry.EXIT_ENVIRONMENT;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Ferry.EXIT_CANCELLED;
    }
  }

  private static Integer refused(CutoverCommand.Api.Answer a) {
    if (a.status() == 401 || a.status() == 403) {
      Ferry.err().println("ferry transit: the server refused: " + a.error());
      return Ferry.EXIT_ENVIRONMENT;
    }
    if (a.status() == 400 || a.status() == 404) {
      Ferry.err().println("ferry transit: " + a.error() + fields(a.body()));
      return Ferry.EXIT_USAGE;
    }
    if (a.status() == 409) {
      Ferry.err().println("ferry transit: refused: " + a.error());
      return Ferry.EXIT_FAILED;
    }
    if (a.status() / 100 != 2) {
      Ferry.err().println("ferry transit: the server answered " + a.status() + ": " + a.error());
      return Ferry.EXIT_ENVIRONMENT;
    }
    return null;
  }

  /** A 400's problems by field, one per line. */
  private static String fields(String body) {
    try {
      JsonNode f = JSON.readTree(body).path("fields");
      StringBuilder s = new StringBuilder();
      f.properties()
          .forEach(
              e -> s.append("\n  ").append(e.getKey()).append(": ").append(e.getValue().asText()));
      return s.toString();
    } catch (IOException e) {
      return "";
    }
  }

  /** Whether something runs: a move, one queued, the precopy or the precopy back. */
  static boolean busy(JsonNode t) {
    if (t.hasNonNull("moving") || !t.path("queued").isEmpty()) {
      return true;
    }
    return switch (t.path("state").asText()) {
      case "installing" -> true;
      case "requested" -> !t.path("message").asText().endsWith("request again");
      case "reinstalling" -> !t.has("reinstalledAt") && !t.path("precopyBack").has("endedAt");
      default -> false;
    };
  }

  private ObjectNode stepBody() {
    ObjectNode b = JSON.createObjectNode();
    switch (action) {
      case "move-account", "move-back" -> b.put("account", args.get(1));
      case "rehearse" -> {
        var list = b.putArray("accounts");
        args.subList(1, args.size()).forEach(list::add);
      }
      case "finalize" -> b.put("by", by);
      default -> {
        if (reason != null) {
          b.put("reason", reason);
        }
      }
    }
    return b;
  }

  /** The transit as a person reads it: state, what to do, windows, accounts, moves, steps. */
  static String describe(JsonNode t) {
    StringBuilder s = new StringBuilder();
    s.append("Transit ")
        .append(t.path("name").asText())
        .append(" (")
        .append(t.path("id").asText())
        .append(", ")
        .append(t.path("kind").asText())
        .append("): ")
        .append(t.path("state").asText())
        .append('\n');
    if (t.hasNonNull("message")) {
      s.append("  ").append(t.get("message").asText()).append('\n');
    }
    JsonNode w = t.path("windows");
    if (w.has("freeUntil")) {
      s.append("  free until ").append(w.get("freeUntil").asText());
      if (w.has("freeDaysLeft")) {
        s.append(" (").append(w.get("freeDaysLeft").asLong()).append(" days left)");
      }
      s.append("; overage ").append(w.path("overageDays").asLong()).append(" day(s)");
      if (w.has("overageCents")) {
        s.append(String.format(", %.2f", w.get("overageCents").asLong() / 100.0));
      }
      s.append('\n');
    }
    if (w.has("finalizer")) {
      s.append("  finalized by ").append(w.get("finalizer").asText());
      if (w.has("finalizeBy")) {
        s.append(", due ").append(w.get("finalizeBy").asText());
        if (w.has("finalizeDaysLeft")) {
          s.append(" (").append(w.get("finalizeDaysLeft").asLong()).append(" days left)");
        }
        if (w.path("overrun").asBoolean()) {
          s.append(" — OVERRUN");
        }
      }
      s.append('\n');
    }
    for (String which : List.of("precopy", "precopyBack")) {
      JsonNode c = t.get(which);
      if (c != null) {
        s.append("  ")
            .append(which.equals("precopy") ? "precopy" : "precopy back")
            .append(" (run ")
            .append(c.path("runId").asLong())
            .append("): ")
            .append(c.path("state").asText("running"))
            .append(
                c.path("filesTotal").asLong() > 0
                    ? ", " + Units.count(c.path("filesTotal").asLong()) + " files found"
                    : "")
            .append(", ")
            .append(Units.count(c.path("filesCopied").asLong()))
            .append(" copied (")
            .append(Units.bytes(c.path("bytesCopied").asLong()))
            .append(")")
            .append(
                c.path("filesFailed").asLong() > 0
                    ? ", " + c.path("filesFailed").asLong() + " failed"
                    : "")
            .append('\n');
      }
    }
    s.append(
        String.format(
            "  %-24s %-8s %-8s %5s  %s%n", "account", "location", "state", "moves", "databases"));
    for (JsonNode a : t.path("accounts")) {
      List<String> dbs = new ArrayList<>();
      a.path("databases").forEach(d -> dbs.add(d.asText()));
      s.append(
          String.format(
              "  %-24s %-8s %-8s %5d  %s%n",
              a.path("name").asText(),
              a.path("location").asText(),
              a.path("state").asText(),
              a.path("moves").asInt(),
              String.join(", ", dbs)));
      if (a.hasNonNull("lastProblem")) {
        s.append("    last move gave up: ").append(a.get("lastProblem").asText()).append('\n');
      }
    }
    JsonNode moves = t.path("moves");
    int from = Math.max(0, moves.size() - 10);
    if (!moves.isEmpty()) {
      s.append(from > 0 ? "  the last 10 moves:\n" : "  moves:\n");
    }
    for (int i = from; i < moves.size(); i++) {
      JsonNode m = moves.get(i);
      s.append("    ")
          .append(m.path("account").asText())
          .append(" → ")
          .append(m.path("to").asText())
          .append(m.path("ok").asBoolean() ? ": done" : ": GAVE UP")
          .append(", unavailable ")
          .append(Units.duration(m.path("measuredUnavailabilitySeconds").asDouble()))
          .append(" (expected ")
          .append(Units.duration(m.path("expectedUnavailabilitySeconds").asDouble()))
          .append("), ")
          .append(Units.count(m.path("filesCopied").asLong()))
          .append(" files, ")
          .append(m.path("tablesCompared").asInt())
          .append(" tables compared, ")
          .append(m.path("attempts").asInt())
          .append(" attempt(s)\n");
      for (JsonNode p : m.path("problems")) {
        s.append("      ").append(p.asText()).append('\n');
      }
    }
    for (JsonNode st : t.path("steps")) {
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
}
