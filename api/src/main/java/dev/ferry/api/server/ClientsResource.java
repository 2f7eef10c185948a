package dev.ferry.api.server;

import dev.ferry.activities.catalog.ClientRow;
import dev.ferry.activities.catalog.Clients;
import io.javalin.http.ConflictResponse;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.NotFoundResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** {@code /clients}: managed customers. Operators create them; a client token sees its own. */
final class ClientsResource {
  static final List<String> STATUSES = List.of("ACTIVE", "INACTIVE");

  private final Clients clients;

  ClientsResource(Services s) {
    this.clients = s.clients;
  }

  void list(Context ctx) {
    Http.onlyQuery(ctx);
    Principal p = Auth.principal(ctx);
    List<ClientRow> rows =
        p.operator() ? clients.list() : clients.find(p.clientId()).map(List::of).orElse(List.of());
    ctx.json(Map.of("clients", rows));
  }

  void create(Context ctx) {
    Http.onlyQuery(ctx);
    Auth.principal(ctx).requireOperator();
    Input in = Http.body(ctx);
    String name = in.string("name", true, 200);
    String contactName = in.string("contactName", false, 200);
    String contactEmail = in.email("contactEmail");
    String psa = in.string("psaCompanyId", false, 100);
    String status = in.oneOf("status", false, STATUSES);
    in.check();
    if (clients.findByName(name).isPresent()) {
      throw new ConflictResponse("a client named '" + name + "' already exists");
    }
    ClientRow row =
        new ClientRow(
            UUID.randomUUID(),
            name,
            contactName,
            contactEmail,
            psa,
            status == null ? "ACTIVE" : status,
            Instant.now(),
            Instant.now());
    clients.insert(row);
    ctx.status(HttpStatus.CREATED).json(clients.find(row.id()).orElseThrow());
  }

  void get(Context ctx) {
    Http.onlyQuery(ctx);
    ctx.json(load(ctx));
  }

  void update(Context ctx) {
    Http.onlyQuery(ctx);
    ClientRow cur = load(ctx);
    Principal p = Auth.principal(ctx);
    Input in = Http.body(ctx);
    String name = in.has("name") ? in.string("name", true, 200) : cur.name();
    String contactName =
        in.has("contactName") ? in.string("contactName", false, 200) : cur.contactName();
    String contactEmail = in.has("contactEmail") ? in.email("contactEmail") : cur.contactEmail();
    String psa =
        in.has("psaCompanyId") ? in.string("psaCompanyId", false, 100) : cur.psaCompanyId();
    String status = cur.status();
    if (in.has("status")) {
      status = in.oneOf("status", true, STATUSES);
      if (!p.operator() && status != null && !status.equals(cur.status())) {
        in.error("status", "only an operator can change a client's status");
      }
    }
    in.check();
    if (!name.equalsIgnoreCase(cur.name()) && clients.findByName(name).isPresent()) {
      throw new ConflictResponse("a client named '" + name + "' already exists");
    }
    clients.update(
        new ClientRow(
            cur.id(),
            name,
            contactName,
            contactEmail,
            psa,
            status,
            cur.createdAt(),
            Instant.now()));
    ctx.json(clients.find(cur.id()).orElseThrow(() -> Http.goneMeanwhile("client")));
  }

  private ClientRow load(Context ctx) {
    UUID id = Http.id(ctx, "clientId");
    ClientRow c = clients.find(id).orElseThrow(() -> new NotFoundResponse("client not found"));
    Auth.principal(ctx).requireSees(c.id(), "client");
    return c;
  }

  /** The client with this id, if the principal may see it; else 404. */
  static ClientRow visible(Services s, Context ctx, UUID id) {
    ClientRow c = s.clients.find(id).orElseThrow(() -> new NotFoundResponse("client not found"));
    Auth.principal(ctx).requireSees(c.id(), "client");
    return c;
  }
}
