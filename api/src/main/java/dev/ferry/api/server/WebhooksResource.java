package dev.ferry.api.server;

import dev.ferry.activities.catalog.ClientRow;
import dev.ferry.activities.catalog.ProjectRow;
import dev.ferry.activities.catalog.Webhooks;
import dev.ferry.workflows.NotifyActivities;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.NotFoundResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code /clients/{clientId}/webhooks} and {@code /webhooks/{webhookId}}: where a client hears of
 * its runs' ends, owners that failed, cutover steps and agents gone offline ({@link Notifier}
 * delivers). The secret that signs the bodies is in the answer to the creation only.
 */
final class WebhooksResource {
  static final List<String> EVENTS =
      List.of(
          NotifyActivities.RUN_ENDED,
          NotifyActivities.OWNER_FAILED,
          NotifyActivities.CUTOVER_STEP,
          NotifyActivities.AGENT_OFFLINE,
          NotifyActivities.TRANSIT_STEP,
          NotifyActivities.TRANSIT_OVERAGE);

  private final Services s;

  WebhooksResource(Services s) {
    this.s = s;
  }

  void list(Context ctx) {
    Http.onlyQuery(ctx);
    ClientRow c = ClientsResource.visible(s, ctx, Http.id(ctx, "clientId"));
    ctx.json(Map.of("webhooks", s.webhooks.list(c.id())));
  }

  void create(Context ctx) {
    Http.onlyQuery(ctx);
    ClientRow c = ClientsResource.visible(s, ctx, Http.id(ctx, "clientId"));
    Input in = Http.body(ctx);
    String url = in.string("url", true, 2000);
    List<String> events = in.strings("events", EVENTS.size(), 50);
    UUID projectId = in.uuid("projectId", false);
    if (url != null) {
      String why = badUrl(url);
      if (why != null) {
        in.error("url", why);
      }
    }
    if (events == null || events.isEmpty()) {
      if (!in.hasErrors() || events == null) {
        in.error("events", "give one or more of " + String.join(", ", EVENTS));
      }
    } else {
      for (String e : events) {
        if (!EVENTS.contains(e)) {
          in.error("events", "unknown event '" + e + "': use " + String.join(", ", EVENTS));
        }
      }
    }
    in.check();
    if (projectId != null) {
      ProjectRow p = s.projects.find(projectId).orElse(null);
      if (p == null || !p.clientId().equals(c.id())) {
        throw new NotFoundResponse("project not found (of this client)");
      }
    }
    Webhooks.Created w =
        s.webhooks.create(
            c.id(), projectId, url, List.copyOf(new java.util.LinkedHashSet<>(events)));
    ctx.status(HttpStatus.CREATED).json(Map.of("webhook", w.webhook(), "secret", w.secret()));
  }

  /** The URLs a webhook may have; the OpenAPI document states the same pattern. */
  static final java.util.regex.Pattern URL =
      java.util.regex.Pattern.compile(
          "^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?"
              + "(\\?[A-Za-z0-9._~=&-]*)?$");

  static String badUrl(String url) {
    if (url.contains("@")) {
      return "must not hold a user or password: the body is signed with the webhook's secret";
    }
    if (!url.regionMatches(true, 0, "http://", 0, 7)
        && !url.regionMatches(true, 0, "https://", 0, 8)) {
      return "must be an http:// or https:// URL";
    }
    if (!URL.matcher(url).matches()) {
      return "must be http(s)://host[:port][/path][?query] with letters, digits and ._~-/=& only";
    }
    return null;
  }

  void get(Context ctx) {
    Http.onlyQuery(ctx);
    ctx.json(visible(ctx));
  }

  void delete(Context ctx) {
    Http.onlyQuery(ctx);
    Webhooks.Webhook w = visible(ctx);
    s.webhooks.delete(w.id());
    ctx.status(HttpStatus.NO_CONTENT);
  }

  void deliveries(Context ctx) {
    Webhooks.Webhook w = visible(ctx);
    int limit = Http.intQuery(ctx, "limit", 50, 1, 500);
    ctx.json(Map.of("webhookId", w.id(), "deliveries", s.webhooks.deliveries(w.id(), limit)));
  }

  private Webhooks.Webhook visible(Context ctx) {
    Webhooks.Webhook w =
        s.webhooks
            .find(Http.id(ctx, "webhookId"))
            .orElseThrow(() -> new NotFoundResponse("webhook not found"));
    Auth.principal(ctx).requireSees(w.clientId(), "webhook");
    return w;
  }
}
