package dev.ferry.activities.engine;

import dev.ferry.activities.catalog.Cutovers.Hook;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a cutover's hook: a command by {@code sh -c} on this machine with the job's id and
 * destination in its environment ({@code FERRY_JOB_ID}, {@code FERRY_DESTINATION}, {@code
 * FERRY_HOOK}), or an HTTP POST of a JSON body naming the same. What it said comes back short (the
 * last 2,000 characters of its output), with its exit status or HTTP status.
 */
public final class HookRunner {
  static final int KEEP = 2000;
  static final Duration TIMEOUT = Duration.ofMinutes(10);

  /**
   * What a hook did.
   *
   * @param ok exit status 0, or HTTP 2xx
   * @param outcome the status and the end of the output
   */
  public record Outcome(boolean ok, String outcome) {}

  public Outcome run(Hook hook, String which, Map<String, String> env, Runnable alive) {
    try {
      return hook.command() != null
          ? command(hook.command(), which, env, alive)
          : post(hook.url(), which, env);
    } catch (IOException e) {
      return new Outcome(false, "could not run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(false, "interrupted");
    }
  }

  private static Outcome command(
      String command, String which, Map<String, String> env, Runnable alive)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("ferry-hook-", ".log");
    try {
      ProcessBuilder pb =
          new ProcessBuilder("sh", "-c", command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      pb.environment().putAll(env);
      pb.environment().put("FERRY_HOOK", which);
      Process p = pb.start();
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (!p.waitFor(1, TimeUnit.SECONDS)) {
        alive.run();
        if (System.nanoTime() > deadline) {
          p.destroyForcibly();
          return new Outcome(false, "killed after " + TIMEOUT.toMinutes() + " minutes" + tail(log));
        }
      }
      int code = p.exitValue();
      return new Outcome(code == 0, "exit status " + code + tail(log));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static String tail(Path log) throws IOException {
    String out = Files.readString(log, StandardCharsets.UTF_8).strip();
    if (out.isEmpty()) {
      return "";
    }
    return ": " + (out.length() > KEEP ? "…" + out.substring(out.length() - KEEP) : out);
  }

  private static Outcome post(String url, String which, Map<String, String> env)
      throws IOException, InterruptedException {
    var body = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    body.put("hook", which);
    if (env.containsKey("FERRY_TRANSIT_ID")) { // a transit's account hook
      body.put("transitId", env.get("FERRY_TRANSIT_ID"));
      body.put("account", env.get("FERRY_ACCOUNT"));
      if (env.containsKey("FERRY_ROUTE_TO")) {
        body.put("to", env.get("FERRY_ROUTE_TO"));
      }
    } else {
      body.put("jobId", env.get("FERRY_JOB_ID"));
      body.put("destination", env.get("FERRY_DESTINATION"));
    }
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .timeout(TIMEOUT)
                  .header("Content-Type", "application/json")
                  // the receiver can tell a repeated call from a new one
                  .header(
                      "Idempotency-Key",
                      env.getOrDefault("FERRY_HOOK_KEY", env.get("FERRY_JOB_ID") + "-" + which))
                  .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      String text = r.body() == null ? "" : r.body().strip();
      if (text.length() > KEEP) {
        text = "…" + text.substring(text.length() - KEEP);
      }
      return new Outcome(
          r.statusCode() / 100 == 2,
          "HTTP " + r.statusCode() + (text.isEmpty() ? "" : ": " + text));
    }
  }
}
