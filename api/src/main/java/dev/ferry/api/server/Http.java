package dev.ferry.api.server;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Small helpers shared by the resources: path ids, query parameters, bodies. */
final class Http {
  private Http() {}

  /** A path parameter that must be a UUID (400 naming the parameter otherwise). */
  static UUID id(Context ctx, String name) {
    String v = ctx.pathParam(name);
    try {
      return UUID.fromString(v);
    } catch (IllegalArgumentException e) {
      throw InvalidInput.of(name, "must be an id (UUID) (got '" + v + "')");
    }
  }

  static long longParam(Context ctx, String name) {
    String v = ctx.pathParam(name);
    try {
      long n = Long.parseLong(v);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw InvalidInput.of(name, "must be a positive whole number (got '" + v + "')");
  }

  /** An optional query parameter in [min, max], else {@code dflt}. */
  static int intQuery(Context ctx, String name, int dflt, int min, int max) {
    String v = ctx.queryParam(name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw InvalidInput.of(name, "must be a whole number between " + min + " and " + max);
  }

  static UUID uuidQuery(Context ctx, String name) {
    String v = ctx.queryParam(name);
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      return UUID.fromString(v.trim());
    } catch (IllegalArgumentException e) {
      throw InvalidInput.of(name, "must be an id (UUID) (got '" + v + "')");
    }
  }

  /** The JSON body as an {@link Input}. */
  static Input body(Context ctx) {
    return Input.parse(new String(ctx.bodyAsBytes(), StandardCharsets.UTF_8));
  }

  /** The JSON body, or an empty object when there is none (for actions with optional bodies). */
  static Input optionalBody(Context ctx) {
    byte[] b = ctx.bodyAsBytes();
    return b.length == 0 || new String(b, StandardCharsets.UTF_8).isBlank()
        ? Input.empty()
        : Input.parse(new String(b, StandardCharsets.UTF_8));
  }

  /** Refuses query parameters a route does not know (a typo must not silently widen a filter). */
  static void onlyQuery(Context ctx, String... known) {
    java.util.Set<String> ok = java.util.Set.of(known);
    for (String q : ctx.queryParamMap().keySet()) {
      if (!ok.contains(q)) {
        throw InvalidInput.of(
            q,
            "unknown query parameter"
                + (known.length == 0 ? "" : "; accepted: " + String.join(", ", known)));
      }
    }
  }
}
