package dev.ferry.api.server;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.postgresql.util.PSQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns exceptions into responses: {@code {"error": "..."}} plus, for a 400,
 * {@code "fields": {"path": "message"}}. Unexpected failures answer 500 with a reference that the
 * server log has with the stack trace; request bodies are never logged (they may hold secrets).
 */
final class Errors {
  private static final Logger log = LoggerFactory.getLogger(Errors.class);

  private Errors() {}

  static void register(RoutesConfig routes) {
    routes.exception(
        InvalidInput.class,
        (e, ctx) -> {
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("error", "invalid request: see fields");
          body.put("fields", e.fields());
          write(ctx, HttpStatus.BAD_REQUEST, body);
        });
    routes.exception(
        HttpResponseException.class,
        (e, ctx) -> {
          if (e.getStatus() == 401) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"ferry\"");
          }
          if (e.getStatus() == 405) {
            methodNotAllowed(e, ctx);
            return;
          }
          if (e.getStatus() == 413) {
            write(
                ctx,
                HttpStatus.CONTENT_TOO_LARGE,
                Map.of(
                    "error",
                    "the body is larger than the server reads ("
                        + (ApiServer.MAX_BODY_BYTES >> 20)
                        + " MiB)"));
            return;
          }
          write(ctx, HttpStatus.forStatus(e.getStatus()), Map.of("error", e.getMessage()));
        });
    routes.exception(
        UnableToExecuteStatementException.class,
        (e, ctx) -> {
          if (e.getCause() instanceof PSQLException p && "23505".equals(p.getSQLState())) {
            write(
                ctx,
                HttpStatus.CONFLICT,
                Map.of("error", "a resource with this name already exists"));
          } else {
            unexpected(e, ctx);
          }
        });
    routes.exception(Exception.class, Errors::unexpected);
    routes.error(
        404,
        ctx -> {
          if (ctx.result() == null || ctx.result().isEmpty()) {
            write(ctx, HttpStatus.NOT_FOUND, Map.of("error", "no such route: " + ctx.path()));
          }
        });
  }

  /**
   * 405 for a known path asked with a method it does not have, with the {@code Allow} header RFC
   * 9110 requires; Javalin names the path's methods in the exception's details.
   */
  private static void methodNotAllowed(HttpResponseException e, Context ctx) {
    String available = e.getDetails().getOrDefault("availableMethods", "");
    if (available.isEmpty()) {
      available = e.getDetails().getOrDefault("Available methods", "");
    }
    String allow =
        java.util.Arrays.stream(available.split(","))
            .map(String::trim)
            .filter(m -> !m.isEmpty())
            .distinct()
            .sorted()
            .collect(java.util.stream.Collectors.joining(", "));
    ctx.header("Allow", allow);
    write(
        ctx,
        HttpStatus.METHOD_NOT_ALLOWED,
        Map.of(
            "error",
            ctx.method().name() + " is not allowed on " + ctx.path() + "; allowed: " + allow));
  }

  private static void unexpected(Exception e, Context ctx) {
    String ref = UUID.randomUUID().toString().substring(0, 8);
    log.error("request {} {} failed (reference {})", ctx.method(), ctx.path(), ref, e);
    write(
        ctx,
        HttpStatus.INTERNAL_SERVER_ERROR,
        Map.of("error", "internal error (reference " + ref + " in the server log)"));
  }

  private static void write(Context ctx, HttpStatus status, Object body) {
    ctx.status(status).json(body);
  }
}
