package dev.ferry.activities.catalog;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Projects in the catalog. Obtain with {@code jdbi.onDemand(Projects.class)}; thread-safe. */
@RegisterConstructorMapper(ProjectRow.class)
public interface Projects {
  String COLUMNS =
      """
      id, client_id, name, type, default_dest_connection_id, bandwidth_schedule::text
        as bandwidth_schedule, psa_ticket_id, psa_project_id, created_at, updated_at""";

  @SqlUpdate(
      """
      insert into projects(id, client_id, name, type, default_dest_connection_id,
        bandwidth_schedule, psa_ticket_id, psa_project_id)
      values (:id, :clientId, :name, :type, :defaultDestConnectionId,
        cast(:bandwidthSchedule as jsonb), :psaTicketId, :psaProjectId)""")
  void insert(@BindMethods ProjectRow row);

  @SqlUpdate(
      """
      update projects set name = :name, type = :type,
        default_dest_connection_id = :defaultDestConnectionId,
        bandwidth_schedule = cast(:bandwidthSchedule as jsonb), psa_ticket_id = :psaTicketId,
        psa_project_id = :psaProjectId, updated_at = now()
      where id = :id""")
  void update(@BindMethods ProjectRow row);

  @SqlQuery("select " + COLUMNS + " from projects where id = :id")
  Optional<ProjectRow> find(@Bind("id") UUID id);

  @SqlQuery("select " + COLUMNS + " from projects where client_id = :client order by lower(name)")
  List<ProjectRow> list(@Bind("client") UUID clientId);

  @SqlQuery(
      "select "
          + COLUMNS
          + " from projects where client_id = :client and lower(name) = lower(:name)")
  Optional<ProjectRow> findByName(@Bind("client") UUID clientId, @Bind("name") String name);
}
