package dev.ferry.api.server;

import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
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

  /**
   * An optional query parameter in [min, max], else {@code dflt}. Present but empty ({@code
   * ?limit=}) is a 400 like any other value that is not a number: leave the parameter out instead.
   */
  static int intQuery(Context ctx, String name, int dflt, int min, int max) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw InvalidInput.of(
        name, "must be a whole number between " + min + " and " + max + " (got '" + v + "')");
  }

  /**
   * An optional query parameter that must be an id; absent means "no filter". Present but empty
   * ({@code ?clientId=}) is a 400, as the document's {@code format: uuid} says.
   */
  static UUID uuidQuery(Context ctx, String name) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return null;
    }
    try {
      return UUID.fromString(v);
    } catch (IllegalArgumentException e) {
      throw InvalidInput.of(
          name, "must be an id (UUID) (got '" + v + "'); leave the parameter out for no filter");
    }
  }

  /** The JSON body as an {@link Input}. */
  static Input body(Context ctx) {
    return Input.parse(jsonText(ctx));
  }

  /** The JSON body, or an empty object when there is none (for actions with optional bodies). */
  static Input optionalBody(Context ctx) {
    String text = jsonText(ctx);
    return text.isBlank() ? Input.empty() : Input.parse(text);
  }

  /**
   * The body as text, once its content type says JSON (a body sent without a content type is read
   * as JSON too) and its bytes are valid UTF-8 (RFC 8259); empty when there is no body.
   *
   * @throws HttpResponseException 415 for another content type
   * @throws InvalidInput for bytes that are not UTF-8, naming the offset of the first bad one
   */
  static String jsonText(Context ctx) {
    byte[] b = ctx.bodyAsBytes();
    if (b.length == 0) {
      return "";
    }
    requireContentType(ctx, "application/json");
    return utf8(b);
  }

  /**
   * Refuses (415) a body whose content type is none of {@code accepted} ({@code application/json}
   * also accepts {@code application/*+json}), or whose charset is not UTF-8. No content type is
   * accepted: the body is then read as the first accepted type.
   */
  static void requireContentType(Context ctx, String... accepted) {
    List<String> given = java.util.Collections.list(ctx.req().getHeaders("Content-Type"));
    if (given.size() > 1) {
      throw new HttpResponseException(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE.getCode(),
          "send one Content-Type header (got "
              + given.size()
              + ": "
              + String.join(", ", given)
              + ")");
    }
    String header = ctx.header("Content-Type");
    if (header == null || header.isBlank()) {
      return;
    }
    String[] parts = header.split(";");
    String type = parts[0].trim().toLowerCase(Locale.ROOT);
    boolean ok = false;
    for (String a : accepted) {
      ok |=
          type.equals(a)
              || (a.equals("application/json")
                  && type.startsWith("application/")
                  && type.endsWith("+json"));
    }
    String charset = null;
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.regionMatches(true, 0, "charset=", 0, 8)) {
        charset = p.substring(8).replace("\"", "").trim();
      }
    }
    if (!ok) {
      throw new HttpResponseException(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE.getCode(),
          "the body must be sent as "
              + String.join(" or ", accepted)
              + " (got Content-Type '"
              + header
              + "'); for curl, add -H 'Content-Type: "
              + accepted[0]
              + "'");
    }
    if (charset != null && !charset.equalsIgnoreCase("utf-8")) {
      throw new HttpResponseException(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE.getCode(),
          "the body must be encoded as UTF-8 (got charset '" + charset + "')");
    }
  }

  /** Decodes strict UTF-8: malformed bytes are a 400, never replaced by U+FFFD. */
  static String utf8(byte[] bytes) {
    CharsetDecoder d =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult r = d.decode(in, out, true);
    if (!r.isError()) {
      r = d.flush(out);
    }
    if (r.isError()) {
      throw InvalidInput.of(
          "body",
          "is not valid UTF-8 (bad byte at offset "
              + in.position()
              + "); send the text encoded as UTF-8");
    }
    return out.flip().toString();
  }

  /**
   * The 404 for a resource deleted by another request while this one changed it: the update found
   * no row, and reading it back must not be a 500 (the fuzzer found that race).
   */
  static io.javalin.http.NotFoundResponse goneMeanwhile(String what) {
    return new io.javalin.http.NotFoundResponse(
        what + " not found (it was deleted while this request ran)");
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
