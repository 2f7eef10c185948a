package dev.ferry.api.server;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Serves the API's OpenAPI 3.1 document, written by hand beside the routes ({@code
 * dev/ferry/api/server/openapi.json}; javalin-openapi has no release for Javalin 7). A test checks
 * that its paths and methods are exactly the routes the server declares.
 */
final class OpenApiResource {
  static final String RESOURCE = "/dev/ferry/api/server/openapi.json";

  private final byte[] document;

  OpenApiResource() {
    this.document = load();
  }

  static byte[] load() {
    try (InputStream in = OpenApiResource.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void get(Context ctx) {
    Http.onlyQuery(ctx);
    ctx.contentType("application/json").result(document);
  }
}
