package dev.ferry.api.server;

import dev.ferry.activities.catalog.ClientRow;
import dev.ferry.activities.catalog.ConnectionRow;
import dev.ferry.activities.catalog.ProjectRow;
import io.javalin.http.ConflictResponse;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.NotFoundResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** {@code /clients/{clientId}/projects} and {@code /projects/{projectId}}. */
final class ProjectsResource {
  static final List<String> TYPES = List.of("FILE_MIGRATION", "ARCHIVE");

  /** A project as the API shows it. */
  record ProjectView(
      UUID id,
      UUID clientId,
      String name,
      String type,
      UUID defaultDestinationConnectionId,
      BandwidthSchedule bandwidthSchedule,
      String psaTicketId,
      String psaProjectId,
      Instant createdAt,
      Instant updatedAt) {
    static ProjectView of(ProjectRow r) {
      return new ProjectView(
          r.id(),
          r.clientId(),
          r.name(),
          r.type(),
          r.defaultDestConnectionId(),
          BandwidthSchedule.fromJson(r.bandwidthSchedule()),
          r.psaTicketId(),
          r.psaProjectId(),
          r.createdAt(),
          r.updatedAt());
    }
  }

  private final Services s;

  ProjectsResource(Services s) {
    this.s = s;
  }

  void list(Context ctx) {
    Http.onlyQuery(ctx);
    ClientRow c = ClientsResource.visible(s, ctx, Http.id(ctx, "clientId"));
    ctx.json(Map.of("projects", s.projects.list(c.id()).stream().map(ProjectView::of).toList()));
  }

  void create(Context ctx) {
    Http.onlyQuery(ctx);
    ClientRow c = ClientsResource.visible(s, ctx, Http.id(ctx, "clientId"));
    Input in = Http.body(ctx);
    String name = in.string("name", true, 200);
    String type = in.oneOf("type", true, TYPES);
    UUID dest = in.uuid("defaultDestinationConnectionId", false);
    BandwidthSchedule schedule = BandwidthSchedule.read(in, "bandwidthSchedule");
    String ticket = in.string("psaTicketId", false, 100);
    String psaProject = in.string("psaProjectId", false, 100);
    checkConnection(in, c.id(), dest);
    in.check();
    if (s.projects.findByName(c.id(), name).isPresent()) {
      throw new ConflictResponse("client already has a project named '" + name + "'");
    }
    ProjectRow row =
        new ProjectRow(
            UUID.randomUUID(),
            c.id(),
            name,
            type,
            dest,
            schedule == null ? null : schedule.toJson(),
            ticket,
            psaProject,
            null,
            null);
    s.projects.insert(row);
    ctx.status(HttpStatus.CREATED).json(ProjectView.of(s.projects.find(row.id()).orElseThrow()));
  }

  void get(Context ctx) {
    Http.onlyQuery(ctx);
    ctx.json(ProjectView.of(visible(s, ctx, Http.id(ctx, "projectId"))));
  }

  void update(Context ctx) {
    Http.onlyQuery(ctx);
    ProjectRow cur = visible(s, ctx, Http.id(ctx, "projectId"));
    Input in = Http.body(ctx);
    String name = in.has("name") ? in.string("name", true, 200) : cur.name();
    String type = in.has("type") ? in.oneOf("type", true, TYPES) : cur.type();
    UUID dest =
        in.has("defaultDestinationConnectionId")
            ? in.uuid("defaultDestinationConnectionId", false)
            : cur.defaultDestConnectionId();
    String schedule = cur.bandwidthSchedule();
    if (in.has("bandwidthSchedule")) {
      BandwidthSchedule b = BandwidthSchedule.read(in, "bandwidthSchedule");
      schedule = b == null ? null : b.toJson();
    }
    String ticket =
        in.has("psaTicketId") ? in.string("psaTicketId", false, 100) : cur.psaTicketId();
    String psaProject =
        in.has("psaProjectId") ? in.string("psaProjectId", false, 100) : cur.psaProjectId();
    checkConnection(in, cur.clientId(), dest);
    in.check();
    if (!name.equalsIgnoreCase(cur.name())
        && s.projects.findByName(cur.clientId(), name).isPresent()) {
      throw new ConflictResponse("client already has a project named '" + name + "'");
    }
    s.projects.update(
        new ProjectRow(
            cur.id(),
            cur.clientId(),
            name,
            type,
            dest,
            schedule,
            ticket,
            psaProject,
            cur.createdAt(),
            null));
    ctx.json(
        ProjectView.of(s.projects.find(cur.id()).orElseThrow(() -> Http.goneMeanwhile("project"))));
  }

  private void checkConnection(Input in, UUID clientId, UUID connectionId) {
    if (connectionId == null) {
      return;
    }
    java.util.Optional<ConnectionRow> c =
        s.connections.find(connectionId).filter(x -> x.clientId().equals(clientId));
    if (c.isEmpty()) {
      in.error(
          "defaultDestinationConnectionId", "no connection with this id belongs to the client");
    } else {
      JobRules.notFiles(s.kinds, c.get())
          .ifPresent(m -> in.error("defaultDestinationConnectionId", m));
    }
  }

  /** The project with this id, if the principal may see it; else 404. */
  static ProjectRow visible(Services s, Context ctx, UUID id) {
    ProjectRow p = s.projects.find(id).orElseThrow(() -> new NotFoundResponse("project not found"));
    Auth.principal(ctx).requireSees(p.clientId(), "project");
    return p;
  }
}
