package dev.ferry.api.server;

import dev.ferry.activities.catalog.ClientRow;
import dev.ferry.activities.catalog.ConnectionRow;
import io.javalin.http.ConflictResponse;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.NotFoundResponse;
import java.util.Map;
import java.util.UUID;

/**
 * {@code /clients/{clientId}/connections} and {@code /connections/{connectionId}}: kind, settings
 * and secret of a storage system. The secret is write-only: it is encrypted before it is stored and
 * no response ever contains it ({@code hasSecret} says whether one is stored).
 */
final class ConnectionsResource {
  private final Services s;

  ConnectionsResource(Services s) {
    this.s = s;
  }

  void list(Context ctx) {
    Http.onlyQuery(ctx);
    ClientRow c = ClientsResource.visible(s, ctx, Http.id(ctx, "clientId"));
    ctx.json(Map.of("connections", s.connections.list(c.id())));
  }

  void create(Context ctx) {
    Http.onlyQuery(ctx);
    ClientRow c = ClientsResource.visible(s, ctx, Http.id(ctx, "clientId"));
    Input in = Http.body(ctx);
    String name = in.string("name", true, 200);
    String kind = in.string("kind", true, 50);
    Map<String, String> settings = in.stringMap("settings");
    Map<String, String> secret = in.stringMap("secret");
    if (kind != null) {
      s.kinds
          .validate(
              kind, settings == null ? Map.of() : settings, secret == null ? Map.of() : secret)
          .forEach(in::error);
      if (!in.hasErrors()) {
        s.rules.connection(in::error, Auth.principal(ctx), c.id(), kind, settings);
      }
    }
    in.check();
    UUID id = UUID.randomUUID();
    s.jdbi.useTransaction(
        h -> {
          JobRules.lock(h, c.id());
          if (s.connections.list(c.id()).stream().anyMatch(x -> x.name().equalsIgnoreCase(name))) {
            throw new ConflictResponse("client already has a connection named '" + name + "'");
          }
          s.connections.insert(
              h,
              id,
              c.id(),
              name,
              kind,
              settings == null ? Map.of() : settings,
              secret == null ? Map.of() : secret);
        });
    ctx.status(HttpStatus.CREATED).json(s.connections.find(id).orElseThrow());
  }

  void get(Context ctx) {
    Http.onlyQuery(ctx);
    ctx.json(visible(s, ctx, Http.id(ctx, "connectionId")));
  }

  /**
   * Changes name, settings (replaced as a whole) and secret (replaced as a whole when given; {@code
   * null} removes it). The kind cannot change. The connection as changed passes every rule that
   * creating it does, and so does every job that uses it ({@link JobRules#jobsOf}), checked in the
   * transaction that writes the change.
   */
  void update(Context ctx) {
    Http.onlyQuery(ctx);
    ConnectionRow cur = visible(s, ctx, Http.id(ctx, "connectionId"));
    Input in = Http.body(ctx);
    String name = in.has("name") ? in.string("name", true, 200) : cur.name();
    if (in.has("kind")) {
      String kind = in.string("kind", true, 50);
      if (kind != null && !kind.equals(cur.kind())) {
        in.error("kind", "cannot change (it is '" + cur.kind() + "'); create a new connection");
      }
    }
    Map<String, String> settings = cur.settings();
    if (in.has("settings")) {
      settings = in.stringMap("settings");
      if (settings == null) {
        settings = Map.of();
      }
    }
    Map<String, String> secret = null; // keep
    boolean secretGiven = in.has("secret");
    if (secretGiven) {
      secret = in.stringMap("secret");
      if (secret == null) {
        secret = Map.of(); // explicit null: remove
      }
    }
    if (!in.hasErrors()) {
      // Without a new secret the stored one stays: check presence rules against "has one".
      Map<String, String> forCheck = secretGiven ? secret : placeholder(cur);
      s.kinds.validate(cur.kind(), settings, forCheck).forEach(in::error);
    }
    Principal p = Auth.principal(ctx);
    if (!in.hasErrors()) {
      // the rules of the connection as changed, whatever changed (the name too)
      s.rules.connection(in::error, p, cur.clientId(), cur.kind(), settings);
    }
    in.check();
    Map<String, String> fSettings = settings;
    Map<String, String> fSecret = secret;
    s.jdbi.useTransaction(
        h -> {
          JobRules.lock(h, cur.clientId());
          ConnectionRow now =
              s.connections.find(cur.id()).orElseThrow(() -> Http.goneMeanwhile("connection"));
          if (!name.equalsIgnoreCase(now.name())
              && s.connections.list(now.clientId()).stream()
                  .anyMatch(x -> x.name().equalsIgnoreCase(name))) {
            throw new ConflictResponse("client already has a connection named '" + name + "'");
          }
          // every job using it, as if it were changed: rules, overlap, no move after a run
          s.rules.jobsOf(
              p,
              now,
              new ConnectionRow(
                  now.id(),
                  now.clientId(),
                  name,
                  now.kind(),
                  fSettings,
                  now.hasSecret(),
                  now.createdAt(),
                  now.updatedAt()));
          s.connections.update(h, cur.id(), name, cur.kind(), fSettings, fSecret);
        });
    s.syncAgentSecrets();
    ctx.json(s.connections.find(cur.id()).orElseThrow(() -> Http.goneMeanwhile("connection")));
  }

  /** Stand-ins for the stored secret's fields, so the kind's presence checks pass. */
  private Map<String, String> placeholder(ConnectionRow cur) {
    if (!cur.hasSecret()) {
      return Map.of();
    }
    Map<String, String> m = new java.util.HashMap<>();
    s.kinds
        .find(cur.kind())
        .ifPresent(
            k -> k.secret().stream().filter(f -> f.required()).forEach(f -> m.put(f.name(), "*")));
    return m;
  }

  void delete(Context ctx) {
    Http.onlyQuery(ctx);
    ConnectionRow cur = visible(s, ctx, Http.id(ctx, "connectionId"));
    if (s.connections.inUse(cur.id())) {
      throw new ConflictResponse(
          "connection '"
              + cur.name()
              + "' is used by a project, a job or a transit cutover; change those first");
    }
    s.connections.delete(cur.id());
    ctx.status(HttpStatus.NO_CONTENT);
  }

  /** The connection with this id, if the principal may see it; else 404. */
  static ConnectionRow visible(Services s, Context ctx, UUID id) {
    ConnectionRow c =
        s.connections.find(id).orElseThrow(() -> new NotFoundResponse("connection not found"));
    Auth.principal(ctx).requireSees(c.clientId(), "connection");
    return c;
  }
}
