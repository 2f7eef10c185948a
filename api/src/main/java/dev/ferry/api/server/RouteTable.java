package dev.ferry.api.server;

import io.javalin.http.Context;
import io.javalin.http.MethodNotAllowedResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The methods of each declared path, to answer 405 with an {@code Allow} header. A literal segment
 * wins over a parameter: {@code /agents/register} is its own path (POST only), not {@code
 * /agents/{agentId}} with the id "register", so {@code GET /agents/register} is a 405 rather than
 * "agentId must be a UUID".
 */
final class RouteTable {
  private final Map<String, Set<String>> methods = new LinkedHashMap<>();

  void add(String method, String path) {
    methods.computeIfAbsent(path, p -> new TreeSet<>()).add(method);
  }

  /** The methods of the most literal declared path that matches {@code path}; empty when none. */
  Set<String> allowed(String path) {
    String[] segs = segments(path);
    int best = -1;
    Set<String> out = Set.of();
    for (Map.Entry<String, Set<String>> e : methods.entrySet()) {
      String[] t = segments(e.getKey());
      if (t.length != segs.length) {
        continue;
      }
      int literal = 0;
      boolean match = true;
      for (int i = 0; i < t.length && match; i++) {
        if (t[i].startsWith("{")) {
          continue;
        }
        match = t[i].equals(segs[i]);
        literal++;
      }
      if (match && literal > best) {
        best = literal;
        out = e.getValue();
      }
    }
    return out;
  }

  /** Before-handler: a known path asked with a method it does not have is a 405. */
  void check(Context ctx) {
    Set<String> allowed = allowed(ctx.path());
    if (!allowed.isEmpty() && !allowed.contains(ctx.method().name())) {
      throw new MethodNotAllowedResponse(
          "method not allowed", Map.of("availableMethods", String.join(",", allowed)));
    }
  }

  private static String[] segments(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    return p.isEmpty() ? new String[0] : p.split("/");
  }
}
